"""The Rust harness: a generated ``main.rs`` that ``include!``s the candidate's file.

No crates are available, so ``main.rs`` carries a minimal JSON reader and writer (module
``hx``) with the conversions to and from the declared types (``i32``, ``i64``, ``f64``,
``bool``, ``String``, ``Vec<T>``, ``HashMap<String, T>``). Each call and each test function
runs under ``std::panic::catch_unwind``: a panic (``assert!``, ``assert_eq!``, an index out
of bounds, ``todo!()``) fails that test only, with its message and where it happened. The
included files keep their names, so the compiler's messages point at the candidate's lines;
rustc 1.63 (Debian 12) compiles it. See :mod:`.harness_native` for the job's files.
"""

from __future__ import annotations

from sessions.execution.harness import Job
from sessions.execution.harness_native import build_native
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem
from sessions.interview.signature import Signature, Type

RUNTIME = r"""
#[allow(dead_code)]
mod hx {
    use std::collections::{BTreeMap, HashMap};
    use std::io::Write;

    pub enum Json {
        Null, Bool(bool), Num(f64, Option<i64>), Str(String), Arr(Vec<Json>),
        Obj(Vec<(String, Json)>),
    }

    struct Reader<'a> { s: &'a [u8], i: usize }

    impl<'a> Reader<'a> {
        fn peek(&self) -> u8 { if self.i < self.s.len() { self.s[self.i] } else { 0 } }
        fn ws(&mut self) {
            while matches!(self.peek(), b' ' | b'\n' | b'\t' | b'\r') { self.i += 1; }
        }
        fn hex4(&mut self) -> u32 {
            let mut c = 0;
            for _ in 0..4 {
                c = c * 16 + (self.peek() as char).to_digit(16).unwrap_or(0);
                self.i += 1;
            }
            c
        }
        fn string(&mut self) -> String {
            let mut out: Vec<u8> = Vec::new();
            self.i += 1;
            while self.i < self.s.len() && self.peek() != b'"' {
                let c = self.peek();
                self.i += 1;
                if c != b'\\' { out.push(c); continue; }
                let e = self.peek();
                self.i += 1;
                match e {
                    b'n' => out.push(b'\n'), b't' => out.push(b'\t'), b'r' => out.push(b'\r'),
                    b'b' => out.push(8), b'f' => out.push(12),
                    b'u' => {
                        let mut c = self.hex4();
                        if (0xD800..0xDC00).contains(&c) && self.peek() == b'\\' {
                            self.i += 2;
                            c = 0x10000 + ((c - 0xD800) << 10) + (self.hex4().wrapping_sub(0xDC00));
                        }
                        let ch = std::char::from_u32(c).unwrap_or('\u{fffd}');
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    other => out.push(other),
                }
            }
            self.i += 1;
            String::from_utf8_lossy(&out).into_owned()
        }
        fn value(&mut self) -> Json {
            self.ws();
            match self.peek() {
                b'[' => {
                    self.i += 1;
                    let mut items = Vec::new();
                    self.ws();
                    while self.i < self.s.len() && self.peek() != b']' {
                        items.push(self.value());
                        self.ws();
                        if self.peek() == b',' { self.i += 1; }
                        self.ws();
                    }
                    self.i += 1;
                    Json::Arr(items)
                }
                b'{' => {
                    self.i += 1;
                    let mut fields = Vec::new();
                    self.ws();
                    while self.i < self.s.len() && self.peek() != b'}' {
                        let key = self.string();
                        self.ws();
                        self.i += 1;
                        fields.push((key, self.value()));
                        self.ws();
                        if self.peek() == b',' { self.i += 1; }
                        self.ws();
                    }
                    self.i += 1;
                    Json::Obj(fields)
                }
                b'"' => Json::Str(self.string()),
                b't' => { self.i += 4; Json::Bool(true) }
                b'f' => { self.i += 5; Json::Bool(false) }
                b'n' => { self.i += 4; Json::Null }
                _ => {
                    let start = self.i;
                    while matches!(self.peek(), b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                        self.i += 1;
                    }
                    let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
                    if self.i == start { self.i += 1; }
                    Json::Num(text.parse().unwrap_or(0.0), text.parse().ok())
                }
            }
        }
    }

    pub fn parse(text: &str) -> Json { Reader { s: text.as_bytes(), i: 0 }.value() }

    pub trait FromJson: Sized { fn from_json(j: &Json) -> Result<Self, String>; }
    macro_rules! integers { ($($t:ty),*) => { $(impl FromJson for $t {
        fn from_json(j: &Json) -> Result<Self, String> {
            match j { Json::Num(_, Some(n)) => Ok(*n as $t), Json::Num(f, None) => Ok(*f as $t),
                      _ => Err(format!("expected a number for {}", stringify!($t))) }
        }
    })* } }
    integers!(i32, i64);
    impl FromJson for f64 {
        fn from_json(j: &Json) -> Result<Self, String> {
            match j { Json::Num(f, _) => Ok(*f), _ => Err("expected a number".to_string()) }
        }
    }
    impl FromJson for bool {
        fn from_json(j: &Json) -> Result<Self, String> {
            match j { Json::Bool(b) => Ok(*b), _ => Err("expected a boolean".to_string()) }
        }
    }
    impl FromJson for String {
        fn from_json(j: &Json) -> Result<Self, String> {
            match j { Json::Str(s) => Ok(s.clone()), _ => Err("expected a string".to_string()) }
        }
    }
    impl<T: FromJson> FromJson for Vec<T> {
        fn from_json(j: &Json) -> Result<Self, String> {
            match j { Json::Arr(items) => items.iter().map(T::from_json).collect(),
                      _ => Err("expected an array".to_string()) }
        }
    }
    impl<T: FromJson> FromJson for HashMap<String, T> {
        fn from_json(j: &Json) -> Result<Self, String> {
            match j {
                Json::Obj(fields) => {
                    fields.iter().map(|(k, v)| Ok((k.clone(), T::from_json(v)?))).collect()
                }
                _ => Err("expected an object".to_string()),
            }
        }
    }

    pub trait ToJson { fn to_json(&self, out: &mut String); }
    macro_rules! shown { ($($t:ty),*) => { $(impl ToJson for $t {
        fn to_json(&self, out: &mut String) { out.push_str(&self.to_string()); }
    })* } }
    shown!(i32, i64, u32, u64, usize, isize, bool);
    impl ToJson for f64 {
        fn to_json(&self, out: &mut String) {
            if !self.is_finite() { out.push_str("null"); return; }
            let text = format!("{:?}", self);
            out.push_str(&text);
        }
    }
    impl ToJson for f32 { fn to_json(&self, out: &mut String) { (*self as f64).to_json(out) } }
    impl ToJson for str {
        fn to_json(&self, out: &mut String) {
            out.push('"');
            for c in self.chars() {
                match c {
                    '"' => out.push_str("\\\""), '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"), '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
    }
    impl ToJson for String { fn to_json(&self, out: &mut String) { self.as_str().to_json(out) } }
    impl ToJson for char { fn to_json(&self, out: &mut String) { self.to_string().to_json(out) } }
    impl<T: ToJson + ?Sized> ToJson for &T {
        fn to_json(&self, out: &mut String) { (**self).to_json(out) }
    }
    impl<T: ToJson> ToJson for Option<T> {
        fn to_json(&self, out: &mut String) {
            match self { Some(v) => v.to_json(out), None => out.push_str("null") }
        }
    }
    impl<T: ToJson> ToJson for [T] {
        fn to_json(&self, out: &mut String) {
            out.push('[');
            for (i, v) in self.iter().enumerate() { if i > 0 { out.push(','); } v.to_json(out); }
            out.push(']');
        }
    }
    impl<T: ToJson> ToJson for Vec<T> {
        fn to_json(&self, out: &mut String) { self.as_slice().to_json(out) }
    }
    impl<T: ToJson, const N: usize> ToJson for [T; N] {
        fn to_json(&self, out: &mut String) { self[..].to_json(out) }
    }
    fn map<'a, T: ToJson + 'a>(items: impl Iterator<Item = (&'a String, &'a T)>, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in items.enumerate() {
            if i > 0 { out.push(','); }
            k.to_json(out); out.push(':'); v.to_json(out);
        }
        out.push('}');
    }
    impl<T: ToJson> ToJson for HashMap<String, T> {
        fn to_json(&self, out: &mut String) { map(self.iter(), out) }
    }
    impl<T: ToJson> ToJson for BTreeMap<String, T> {
        fn to_json(&self, out: &mut String) { map(self.iter(), out) }
    }

    static mut RESULTS: Option<std::fs::File> = None;
    static mut FAILURE: Option<String> = None;

    pub fn start() -> String {
        use std::os::unix::io::FromRawFd;
        let args: Vec<String> = std::env::args().collect();
        if args.len() < 3 {
            eprintln!("harness: results descriptor and folder expected");
            std::process::exit(2);
        }
        let fd: i32 = args[1].parse().unwrap_or(-1);
        unsafe { RESULTS = Some(std::fs::File::from_raw_fd(fd)); }
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let message = if let Some(s) = payload.downcast_ref::<&str>() { s.to_string() }
                else if let Some(s) = payload.downcast_ref::<String>() { s.clone() }
                else { "panic".to_string() };
            let place = match info.location() {
                Some(l) => {
                    let file = l.file().rsplit('/').next().unwrap_or("");
                    format!(" ({}:{}:{})", file, l.line(), l.column())
                }
                None => String::new(),
            };
            unsafe { FAILURE = Some(format!("panicked: {}{}", message, place)); }
        }));
        args[2].clone()
    }

    pub fn emit(record: &str) {
        unsafe {
            if let Some(f) = RESULTS.as_mut() {
                let _ = f.write_all(format!("{}\n", record).as_bytes());
            }
        }
    }

    /// Runs ``f`` and gives its value, or the panic's message.
    pub fn guarded<R>(f: impl FnOnce() -> Result<R, String>) -> Result<R, String> {
        let _ = std::io::stdout().flush();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(_) => Err(unsafe { FAILURE.take() }.unwrap_or_else(|| "panicked".to_string())),
        }
    }

    pub fn error(e: &Result<String, String>, out: &mut String) {
        match e { Err(m) => m.to_json(out), Ok(_) => out.push_str("null") }
    }
}
"""

CALLS = r"""
fn main() {
    let folder = hx::start();
    let text = std::fs::read_to_string(format!("{}/tests.txt", folder)).expect("tests.txt");
    for (index, line) in text.lines().enumerate() {
        let outcome = hx::guarded(|| match hx::parse(line) {
            hx::Json::Arr(args) => hx_call(&args),
            _ => Err("the test's input is not an array".to_string()),
        });
        let mut record = format!("{{\"call\": {{\"index\": {}, \"actual\": ", index);
        match &outcome { Ok(json) => record.push_str(json), Err(_) => record.push_str("null") }
        record.push_str(", \"error\": ");
        hx::error(&outcome, &mut record);
        record.push_str("}}");
        hx::emit(&record);
    }
}
"""

TESTS = r"""
fn main() {
    hx::start();
    hx::emit(&format!("{{\"total\": {}}}", HX_TESTS.len()));
    for (name, test) in HX_TESTS.iter() {
        let outcome = hx::guarded(|| { test(); Ok(String::new()) });
        let mut record = String::from("{\"test\": {\"name\": ");
        hx::ToJson::to_json(*name, &mut record);
        record.push_str(if outcome.is_ok() { ", \"passed\": true" } else { ", \"passed\": false" });
        record.push_str(", \"error\": ");
        hx::error(&outcome, &mut record);
        record.push_str("}}");
        hx::emit(&record);
    }
}
"""
_SCALARS = {"int": "i32", "long": "i64", "double": "f64", "bool": "bool", "string": "String"}
HEAD = "#![allow(warnings)]\n"


def rust_type(kind: Type) -> str:
    """The Rust type of a signature type (docs/languages.md)."""
    if kind.item is None:
        return _SCALARS[kind.kind]
    if kind.kind == "map":
        return f"std::collections::HashMap<String, {rust_type(kind.item)}>"
    return f"Vec<{rust_type(kind.item)}>"


def calls_source(signature: Signature, name: str) -> str:
    """``main.rs`` for a function-style problem: each input to ``name``'s Rust types."""
    count = len(signature.params)
    lines = [
        f"    let p{i}: {rust_type(p.type)} = hx::FromJson::from_json(&args[{i}])"
        f'.map_err(|e| format!("argument {i}: {{}}", e))?;\n'
        for i, p in enumerate(signature.params)
    ]
    call = ", ".join(f"p{i}" for i in range(count))
    return (
        HEAD
        + 'include!("solution.rs");\n'
        + RUNTIME
        + CALLS
        + "fn hx_call(args: &[hx::Json]) -> Result<String, String> {\n"
        + f'    if args.len() < {count} {{ return Err("too few arguments".to_string()); }}\n'
        + "".join(lines)
        + f"    let result = {name}({call});\n"
        + "    let mut out = String::new();\n"
        + "    hx::ToJson::to_json(&result, &mut out);\n"
        + "    Ok(out)\n}\n"
    )


def tests_source(names: list[str]) -> str:
    """``main.rs`` for a design problem: the test file's ``test*`` functions in order."""
    table = "".join(f'    ("{n}", {n}),\n' for n in names)
    return (
        HEAD
        + 'include!("solution.rs");\n'
        + 'include!("test_solution.rs");\n'
        + RUNTIME
        + TESTS
        + "const HX_TESTS: &[(&str, fn())] = &[\n"
        + table
        + "];\n"
    )


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """The Rust job of ``problem`` (None: it has no tests in Rust)."""
    return build_native(spec, code, problem, calls_source, tests_source)
