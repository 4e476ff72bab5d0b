//! Wall-clock time as the commands need it: now, RFC 3339 timestamps read (to the second or the
//! nanosecond), `--since`/`--until` times, and Unix seconds as a UTC civil date.

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `2026-11-25T14:11:01.123Z` → seconds since the epoch (UTC offsets `Z` or `+hh:mm`).
pub fn rfc3339_seconds(t: &str) -> Option<i64> {
    let (date, rest) = t.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let time: String = rest.chars().take(8).collect();
    let mut tp = time.split(':').map(|x| x.parse::<i64>());
    let (hh, mm, ss) = (tp.next()?.ok()?, tp.next()?.ok()?, tp.next()?.ok()?);
    let offset = match rest.rfind(['+', '-']).filter(|&i| i >= 8) {
        Some(i) => {
            let sign = if rest[i..].starts_with('-') { -1 } else { 1 };
            let mut o = rest[i + 1..].split(':').map(|x| x.parse::<i64>());
            sign * (o.next()?.ok()? * 3600 + o.next().and_then(Result::ok).unwrap_or(0) * 60)
        }
        None => 0,
    };
    // days from the civil date (Howard Hinnant's algorithm)
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + hh * 3600 + mm * 60 + ss - offset)
}

/// Nanoseconds since the epoch of an RFC 3339 timestamp with a fraction (the engine's
/// `2024-01-02T03:04:05.123456789Z` log prefix; the fraction may be shortened).
pub fn rfc3339_nanos(t: &str) -> Option<i128> {
    let secs = rfc3339_seconds(t)?;
    let frac = t.find('.').map_or("", |i| {
        let rest = &t[i + 1..];
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        &rest[..end]
    });
    let mut nanos: i128 = 0;
    for (i, d) in frac.chars().take(9).enumerate() {
        nanos += i128::from(d.to_digit(10)?) * 10i128.pow(8 - i as u32);
    }
    Some(i128::from(secs) * 1_000_000_000 + nanos)
}

/// Unix seconds → (year, month, day, hour, minute, second) in UTC (Howard Hinnant's
/// days-to-civil).
pub fn civil(secs: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Unix seconds as RFC 3339 in UTC (`2026-12-02T10:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// A time as `--since` / `--until` take it: RFC 3339, a Unix timestamp, a date, or a duration
/// before `now` (`42m`, `1h30m`); as Unix seconds.
pub fn parse_time(text: &str, now: i64) -> Option<i64> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return Some(secs as i64);
    }
    if let Some(secs) = rfc3339_seconds(t) {
        return Some(secs);
    }
    if let Some(d) = crate::model::Duration::parse(t) {
        return Some(now - d.0 / 1_000_000_000);
    }
    // a date alone
    rfc3339_seconds(&format!("{t}T00:00:00Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_fractions_order_correctly() {
        let a = rfc3339_nanos("2024-01-02T03:04:05.1Z").unwrap();
        let b = rfc3339_nanos("2024-01-02T03:04:05.12Z").unwrap();
        let c = rfc3339_nanos("2024-01-02T03:04:05.123456789Z").unwrap();
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_eq!(c % 1_000_000_000, 123_456_789);
    }

    #[test]
    fn civil_dates_round_trip() {
        for t in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "2026-11-25T14:11:01Z",
        ] {
            let secs = rfc3339_seconds(t).unwrap();
            let (y, m, d, hh, mm, ss) = civil(secs);
            assert_eq!(format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z"), t);
        }
    }
}
