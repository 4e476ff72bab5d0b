//! The `--format` strings of the listing commands: `table`, `json`, or a template in the subset of
//! Go's text/template that Docker's CLI users write (`{{.Name}}`, `{{json .Labels}}`,
//! `{{upper .State}}`, pipelines, and the `table` prefix that prints a header row), evaluated on
//! each row's JSON object.

use serde_json::Value;

/// What `--format` asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    /// The command's own table.
    Table,
    /// One JSON value per row (or one array, as the command prints JSON).
    Json,
    /// A template per row; with `table` in front, a header row first and the columns aligned.
    Template { table: bool, template: Template },
}

impl Format {
    /// Reads a `--format` value as Docker's CLI does: `table`, `json`, `table TEMPLATE`, or
    /// `TEMPLATE`; `\t` and `\n` written in the value are a tab and a new line.
    pub fn parse(text: &str) -> Result<Format, String> {
        match text.trim() {
            "" | "table" => return Ok(Format::Table),
            "json" => return Ok(Format::Json),
            _ => {}
        }
        // as Docker's CLI reads it: anything starting with `table` is a table
        let (table, rest) = match text.strip_prefix("table") {
            Some(rest) => (true, rest.trim_matches(' ')),
            None => (false, text),
        };
        let rest = rest.replace("\\t", "\t").replace("\\n", "\n");
        let template = Template::parse(&rest)?;
        Ok(Format::Template { table, template })
    }

    /// The rows in this format when it is a template: `headers` names each field's column
    /// (a field without one heads its column `<no value>`, as Docker's CLI prints it).
    /// `None` for `table` and `json`, which the command prints its own way.
    pub fn rows(&self, rows: &[Value], headers: &[(&str, &str)]) -> Option<Result<String, String>> {
        let Format::Template { table, template } = self else {
            return None;
        };
        Some(render_rows(*table, template, rows, headers))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Format::Table => f.write_str("table"),
            Format::Json => f.write_str("json"),
            Format::Template { table, template } => {
                let table = if *table { "table " } else { "" };
                write!(f, "{table}{}", template.source)
            }
        }
    }
}

fn render_rows(
    table: bool,
    template: &Template,
    rows: &[Value],
    headers: &[(&str, &str)],
) -> Result<String, String> {
    let mut lines = Vec::new();
    if table {
        let header: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        lines.push(template.execute(&Value::Object(header), true)?);
    }
    for row in rows {
        lines.push(template.execute(row, false)?);
    }
    if !table {
        return Ok(lines.into_iter().map(|l| l + "\n").collect());
    }
    // Go's tabwriter as Docker's CLI sets it: cells end at tabs, padded to 10 or the widest + 3
    let cells: Vec<Vec<String>> = lines
        .iter()
        .flat_map(|l| l.split('\n'))
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    Ok(super::table(&cells, 10))
}

/// A parsed template: text and actions.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// As written (for messages).
    source: String,
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    Action(Pipeline),
}

/// Commands joined by `|`: each one's result is the last argument of the next.
type Pipeline = Vec<Command>;

#[derive(Debug, Clone, PartialEq)]
enum Command {
    /// A value on its own (`.Name`, `"x"`).
    Operand(Operand),
    /// A function and its arguments (`json .Labels`, `join .Names ","`).
    Call(String, Vec<Operand>),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    /// `.` or `.A.B`.
    Field(Vec<String>),
    Literal(Value),
    Nested(Pipeline),
}

const FUNCTIONS: &[&str] = &[
    "json", "upper", "lower", "title", "split", "join", "truncate", "pad", "print", "len", "index",
];

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut nodes = Vec::new();
        let mut rest = text;
        let mut trim_next = false;
        while !rest.is_empty() {
            let Some(open) = rest.find("{{") else {
                push_text(&mut nodes, rest, trim_next, false);
                break;
            };
            let after = &rest[open + 2..];
            let trim_before = after.starts_with("- ") || after == "-}}" || after.starts_with("-\t");
            push_text(&mut nodes, &rest[..open], trim_next, trim_before);
            let body_start = if trim_before { 1 } else { 0 };
            let close = after
                .find("}}")
                .ok_or_else(|| format!("unclosed action in {text:?}"))?;
            let mut body = &after[body_start..close];
            trim_next = body.ends_with(" -") || body.ends_with("\t-");
            if trim_next {
                body = &body[..body.len() - 1];
            }
            let body = body.trim();
            if body.starts_with("/*") {
                // a comment
            } else {
                let mut p = Parser { s: body, at: 0 };
                let pipeline = p.pipeline()?;
                p.skip_space();
                if p.at < p.s.len() {
                    return Err(format!("unexpected {:?} in {{{{{body}}}}}", &p.s[p.at..]));
                }
                nodes.push(Node::Action(pipeline));
            }
            rest = &after[close + 2..];
        }
        Ok(Template {
            source: text.to_string(),
            nodes,
        })
    }

    /// Runs the template on `dot`. In a header row (`header`), a field `dot` lacks prints
    /// `<no value>`; in a data row it is an error naming the fields there are.
    pub fn execute(&self, dot: &Value, header: bool) -> Result<String, String> {
        let mut out = String::new();
        for node in &self.nodes {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Action(p) => out.push_str(&show(&run(p, dot, header)?)),
            }
        }
        Ok(out)
    }
}

fn push_text(nodes: &mut Vec<Node>, text: &str, trim_start: bool, trim_end: bool) {
    let mut t = text;
    if trim_start {
        t = t.trim_start();
    }
    if trim_end {
        t = t.trim_end();
    }
    if !t.is_empty() {
        nodes.push(Node::Text(t.to_string()));
    }
}

struct Parser<'a> {
    s: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.s[self.at..].starts_with([' ', '\t']) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.s[self.at..].chars().next()
    }

    fn pipeline(&mut self) -> Result<Pipeline, String> {
        let mut commands = vec![self.command()?];
        loop {
            self.skip_space();
            if self.peek() == Some('|') {
                self.at += 1;
                commands.push(self.command()?);
            } else {
                return Ok(commands);
            }
        }
    }

    fn command(&mut self) -> Result<Command, String> {
        self.skip_space();
        let start = self.at;
        if self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            while self
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                self.at += 1;
            }
            let name = &self.s[start..self.at];
            match name {
                "true" | "false" => {
                    return Ok(Command::Operand(Operand::Literal(Value::Bool(
                        name == "true",
                    ))));
                }
                "if" | "range" | "with" | "end" | "else" | "define" | "template" | "block" => {
                    return Err(format!(
                        "{{{{{name}}}}} is not supported here: write fields and functions ({})",
                        FUNCTIONS.join(", ")
                    ));
                }
                _ if !FUNCTIONS.contains(&name) => {
                    return Err(format!(
                        "function {name:?} not defined (there are {})",
                        FUNCTIONS.join(", ")
                    ));
                }
                _ => {}
            }
            let mut args = Vec::new();
            loop {
                self.skip_space();
                match self.peek() {
                    None | Some('|') | Some(')') => break,
                    _ => args.push(self.operand()?),
                }
            }
            return Ok(Command::Call(name.to_string(), args));
        }
        Ok(Command::Operand(self.operand()?))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        self.skip_space();
        let start = self.at;
        match self.peek() {
            Some('.') => {
                let mut path = Vec::new();
                while self.peek() == Some('.') {
                    self.at += 1;
                    let from = self.at;
                    while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        self.at += 1;
                    }
                    if self.at > from {
                        path.push(self.s[from..self.at].to_string());
                    } else if !path.is_empty() {
                        return Err(format!(
                            "a field name is missing after {:?}",
                            &self.s[..self.at]
                        ));
                    }
                }
                Ok(Operand::Field(path))
            }
            Some('"') => {
                self.at += 1;
                let mut text = String::new();
                loop {
                    match self.peek() {
                        None => return Err(format!("unterminated string {:?}", &self.s[start..])),
                        Some('"') => {
                            self.at += 1;
                            break;
                        }
                        Some('\\') => {
                            self.at += 1;
                            let c = self.peek().ok_or("unterminated string")?;
                            self.at += c.len_utf8();
                            text.push(match c {
                                'n' => '\n',
                                't' => '\t',
                                c => c,
                            });
                        }
                        Some(c) => {
                            self.at += c.len_utf8();
                            text.push(c);
                        }
                    }
                }
                Ok(Operand::Literal(Value::String(text)))
            }
            Some('`') => {
                let end = self.s[start + 1..]
                    .find('`')
                    .ok_or_else(|| format!("unterminated string {:?}", &self.s[start..]))?;
                self.at = start + 1 + end + 1;
                Ok(Operand::Literal(Value::String(
                    self.s[start + 1..start + 1 + end].to_string(),
                )))
            }
            Some('(') => {
                self.at += 1;
                let p = self.pipeline()?;
                self.skip_space();
                if self.peek() != Some(')') {
                    return Err(format!("unclosed parenthesis in {:?}", self.s));
                }
                self.at += 1;
                Ok(Operand::Nested(p))
            }
            Some(c) if c.is_ascii_digit() || c == '-' => {
                self.at += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.at += 1;
                }
                let n: i64 = self.s[start..self.at]
                    .parse()
                    .map_err(|_| format!("bad number {:?}", &self.s[start..self.at]))?;
                Ok(Operand::Literal(Value::from(n)))
            }
            Some(c) if c.is_ascii_alphabetic() => Ok(Operand::Nested(vec![self.command()?])),
            other => Err(format!(
                "unexpected {:?} in {:?}",
                other.map(String::from).unwrap_or_else(|| "end".into()),
                self.s
            )),
        }
    }
}

fn run(pipeline: &Pipeline, dot: &Value, header: bool) -> Result<Value, String> {
    let mut last: Option<Value> = None;
    for command in pipeline {
        let value = match command {
            Command::Operand(o) => {
                if last.is_some() {
                    return Err("only a function can follow | in a pipeline".into());
                }
                eval(o, dot, header)?
            }
            Command::Call(name, args) => {
                let mut values = args
                    .iter()
                    .map(|a| eval(a, dot, header))
                    .collect::<Result<Vec<_>, _>>()?;
                values.extend(last.take());
                call(name, &values)?
            }
        };
        last = Some(value);
    }
    Ok(last.unwrap_or(Value::Null))
}

fn eval(operand: &Operand, dot: &Value, header: bool) -> Result<Value, String> {
    match operand {
        Operand::Literal(v) => Ok(v.clone()),
        Operand::Nested(p) => run(p, dot, header),
        Operand::Field(path) => {
            let mut v = dot;
            for name in path {
                match v.as_object().and_then(|m| m.get(name)) {
                    Some(x) => v = x,
                    None if header => return Ok(Value::String("<no value>".into())),
                    None => {
                        let there: Vec<&str> = v
                            .as_object()
                            .map(|m| m.keys().map(String::as_str).collect())
                            .unwrap_or_default();
                        return Err(if there.is_empty() {
                            format!("can't evaluate field {name}: the value has no fields")
                        } else {
                            format!(
                                "can't evaluate field {name} (the fields are {})",
                                there.join(", ")
                            )
                        });
                    }
                }
            }
            Ok(v.clone())
        }
    }
}

fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    let want = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "wrong number of args for {name}: want {n} got {}",
                args.len()
            ))
        }
    };
    let int = |v: &Value| -> Result<i64, String> {
        v.as_i64()
            .ok_or_else(|| format!("{name}: {} is not a number", show(v)))
    };
    Ok(match name {
        "json" => {
            want(1)?;
            Value::String(serde_json::to_string(&args[0]).map_err(|e| e.to_string())?)
        }
        "upper" => {
            want(1)?;
            Value::String(show(&args[0]).to_uppercase())
        }
        "lower" => {
            want(1)?;
            Value::String(show(&args[0]).to_lowercase())
        }
        "title" => {
            want(1)?;
            Value::String(title(&show(&args[0])))
        }
        "split" => {
            want(2)?;
            let (s, sep) = (show(&args[0]), show(&args[1]));
            Value::Array(s.split(sep.as_str()).map(Value::from).collect())
        }
        "join" => {
            want(2)?;
            let items: Vec<String> = match &args[0] {
                Value::Array(a) => a.iter().map(show).collect(),
                v => vec![show(v)],
            };
            Value::String(items.join(&show(&args[1])))
        }
        "truncate" => {
            want(2)?;
            let n = int(&args[1])?.max(0) as usize;
            Value::String(show(&args[0]).chars().take(n).collect())
        }
        "pad" => {
            want(3)?;
            let (before, after) = (int(&args[1])?.max(0), int(&args[2])?.max(0));
            Value::String(format!(
                "{}{}{}",
                " ".repeat(before as usize),
                show(&args[0]),
                " ".repeat(after as usize)
            ))
        }
        "print" => {
            // Go's Sprint: a space between operands when neither is a string
            let mut out = String::new();
            for (i, a) in args.iter().enumerate() {
                if i > 0 && !args[i - 1].is_string() && !a.is_string() {
                    out.push(' ');
                }
                out.push_str(&show(a));
            }
            Value::String(out)
        }
        "len" => {
            want(1)?;
            Value::from(match &args[0] {
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                Value::String(s) => s.len(),
                v => return Err(format!("len of {}", show(v))),
            })
        }
        "index" => {
            want(2)?;
            match (&args[0], &args[1]) {
                (Value::Array(a), i) => {
                    let i = int(i)?;
                    a.get(i as usize)
                        .cloned()
                        .ok_or_else(|| format!("index out of range: {i}"))?
                }
                (Value::Object(m), k) => m.get(&show(k)).cloned().unwrap_or(Value::Null),
                (v, _) => return Err(format!("can't index item of type {}", show(v))),
            }
        }
        _ => unreachable!("the parser admits only FUNCTIONS"),
    })
}

/// A value as Go's `%v` prints it: strings bare, lists `[a b]`, maps `map[k:v]`.
fn show(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", show(&m[*k])))
                .collect();
            format!("map[{}]", items.join(" "))
        }
    }
}

/// Go's `strings.Title`: each letter after a non-letter in upper case.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut after_letter = false;
    for c in s.chars() {
        if !after_letter {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        after_letter = c.is_alphanumeric() || c == '_' || c == '\'';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row() -> Value {
        json!({"Name": "p-web-1", "State": "running", "Labels": "a=1,b=2", "Publishers": [], "ExitCode": 0})
    }

    fn one(tpl: &str) -> Result<String, String> {
        Template::parse(tpl)?.execute(&row(), false)
    }

    #[test]
    fn fields_functions_and_pipelines_print_like_go() {
        assert_eq!(one("{{.Name}} {{ .State }}").unwrap(), "p-web-1 running");
        assert_eq!(
            one("{{upper .State}}|{{json .State}}").unwrap(),
            "RUNNING|\"running\""
        );
        assert_eq!(one("{{title .Name}}").unwrap(), "P-Web-1");
        assert_eq!(one("{{split .Name \"-\"}}").unwrap(), "[p web 1]");
        assert_eq!(
            one("{{join (split .Name \"-\") \"+\"}}").unwrap(),
            "p+web+1"
        );
        assert_eq!(
            one("{{truncate .Name 3}}|{{pad .Name 1 1}}|").unwrap(),
            "p-w| p-web-1 |"
        );
        assert_eq!(one("{{.Name | upper}}").unwrap(), "P-WEB-1");
        assert_eq!(
            one("{{json .Publishers}} {{.Publishers}} {{.ExitCode}}").unwrap(),
            "[] [] 0"
        );
        assert_eq!(
            one("{{json .}}").unwrap().len(),
            serde_json::to_string(&row()).unwrap().len()
        );
        assert_eq!(one("a  {{- .State -}}  b").unwrap(), "arunningb");
    }

    #[test]
    fn mistakes_are_errors_that_say_what_there_is() {
        let e = one("{{.Nope}}").unwrap_err();
        assert!(e.contains("Nope") && e.contains("State"), "{e}");
        assert!(Template::parse("{{.Name").unwrap_err().contains("unclosed"));
        assert!(
            Template::parse("{{shout .Name}}")
                .unwrap_err()
                .contains("\"shout\"")
        );
        assert!(
            Template::parse("{{range .X}}{{end}}")
                .unwrap_err()
                .contains("not supported")
        );
        assert!(
            one("{{truncate .Name}}")
                .unwrap_err()
                .contains("want 2 got 1")
        );
    }

    #[test]
    fn table_templates_print_a_header_row_and_align_columns() {
        let f = Format::parse("table {{.Name}}\\t{{.State}}\\t{{.ExitCode}}").unwrap();
        let rows = [
            row(),
            json!({"Name": "p-db-1", "State": "exited", "ExitCode": 3}),
        ];
        let text = f.rows(&rows, &[("Name", "NAME"), ("State", "STATE")]);
        assert_eq!(
            text.unwrap().unwrap(),
            "NAME      STATE     <no value>\np-web-1   running   0\np-db-1    exited    3\n"
        );
        assert_eq!(Format::parse("table").unwrap(), Format::Table);
        assert_eq!(Format::parse("json").unwrap(), Format::Json);
        assert!(Format::parse("json").unwrap().rows(&rows, &[]).is_none());
        let plain = Format::parse("{{.Name}}").unwrap();
        assert_eq!(
            plain.rows(&rows, &[]).unwrap().unwrap(),
            "p-web-1\np-db-1\n"
        );
    }
}
