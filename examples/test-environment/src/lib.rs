//! A visit counter, the program under test: every visit is recorded in PostgreSQL (the truth)
//! and counted in Redis (a cache); a count is read from Redis, and rebuilt from PostgreSQL when
//! Redis lost it or cannot be reached.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// What can go wrong.
#[derive(Debug)]
pub enum Error {
    Db(postgres::Error),
    Cache(io::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Db(e) => write!(f, "database: {e}"),
            Error::Cache(e) => write!(f, "cache: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Error::Db(e)
    }
}

/// The counter: a PostgreSQL connection and the Redis address.
pub struct Counter {
    db: postgres::Client,
    cache: SocketAddr,
}

impl Counter {
    /// Connects to PostgreSQL (`postgresql://...`); Redis is reached per call.
    pub fn connect(db_url: &str, cache: SocketAddr) -> Result<Counter, Error> {
        let db = postgres::Client::connect(db_url, postgres::NoTls)?;
        Ok(Counter { db, cache })
    }

    /// Records a visit of `page`; its count.
    pub fn visit(&mut self, page: &str) -> Result<i64, Error> {
        self.db
            .execute("INSERT INTO visits (page) VALUES ($1)", &[&page])?;
        match redis(self.cache, &["INCR", &key(page)]) {
            // a fresh cache counts from 1: start it from the database instead
            Ok(Reply::Int(1)) | Err(_) => self.count(page),
            Ok(Reply::Int(n)) => Ok(n),
            Ok(other) => Err(Error::Cache(io::Error::other(format!("INCR: {other:?}")))),
        }
    }

    /// How many visits `page` had: from Redis, else counted in PostgreSQL (and cached again).
    pub fn count(&mut self, page: &str) -> Result<i64, Error> {
        if let Ok(Reply::Bulk(Some(n))) = redis(self.cache, &["GET", &key(page)])
            && let Ok(n) = n.parse()
        {
            return Ok(n);
        }
        let row = self
            .db
            .query_one("SELECT count(*) FROM visits WHERE page = $1", &[&page])?;
        let n: i64 = row.get(0);
        let _ = redis(self.cache, &["SET", &key(page), &n.to_string()]);
        Ok(n)
    }
}

fn key(page: &str) -> String {
    format!("visits:{page}")
}

/// A Redis reply.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Int(i64),
    Bulk(Option<String>),
}

/// One Redis command on a connection of its own (RESP, the protocol's three reply types this
/// program needs; an error reply is an error).
pub fn redis(addr: SocketAddr, args: &[&str]) -> io::Result<Reply> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req += &format!("${}\r\n{a}\r\n", a.len());
    }
    s.write_all(req.as_bytes())?;
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let line = line.trim_end();
    let (kind, rest) = line.split_at(line.len().min(1));
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {line:?}"));
    match kind {
        "+" => Ok(Reply::Status(rest.to_string())),
        ":" => rest.parse().map(Reply::Int).map_err(|_| bad("bad integer")),
        "$" if rest == "-1" => Ok(Reply::Bulk(None)),
        "$" => {
            let mut body = String::new();
            r.read_line(&mut body)?;
            Ok(Reply::Bulk(Some(body.trim_end().to_string())))
        }
        "-" => Err(io::Error::other(rest.to_string())),
        _ if line.is_empty() => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed",
        )),
        _ => Err(bad("unexpected reply")),
    }
}
