//! Tab completion, as a pure function of the line, the cursor and the
//! session's names, so that it can be unit-tested without a terminal.
//! What is completed depends on where the cursor is: the `:command` word,
//! a `:help` topic, a `:codegen` language, a file name (after `:load`,
//! `:save`, `load("` and the `>` of `:dot`/`:codegen`), or a name.

use super::signatures;
use std::collections::{BTreeMap, BTreeSet};

/// The names a session knows, copied out of it after each statement so the
/// editor's helper can see them while a line is being typed.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// Names with a value, a formula or a declared shape.
    pub bound: BTreeSet<String>,
    /// User functions and their parameters.
    pub funcs: BTreeMap<String, Vec<String>>,
}

impl Names {
    pub fn of(session: &crate::session::Session) -> Names {
        let env = &session.env;
        let bound =
            env.value_names().chain(env.formulas.keys()).chain(env.decls.keys()).cloned().collect::<BTreeSet<_>>();
        let funcs = env.funcs.iter().map(|(n, f)| (n.clone(), f.params.clone())).collect();
        Names { bound, funcs }
    }

    pub fn is_function(&self, name: &str) -> bool {
        self.funcs.contains_key(name) || crate::lower::is_builtin(name)
    }

    /// The signature of a built-in or user function, for hints.
    pub fn signature(&self, name: &str) -> Option<String> {
        if let Some(params) = self.funcs.get(name) {
            return Some(format!("{name}({})", params.join(", ")));
        }
        signatures::builtin(name).map(str::to_string)
    }
}

/// One completion: what replaces the typed word, and what the list shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub display: String,
    pub replacement: String,
}

impl Candidate {
    fn same(s: String) -> Candidate {
        Candidate { display: s.clone(), replacement: s }
    }
}

/// Topics `:help` knows besides the commands and the functions.
pub const TOPICS: &[&str] = &["functions", "conventions", "shapes"];

/// Most candidates worth listing; a directory of thousands of files would
/// otherwise flood the screen.
const MAX_CANDIDATES: usize = 500;

/// Completions of `line` at byte `pos`: the byte where the replaced text
/// starts, and the candidates (sorted, possibly none).
pub fn complete(line: &str, pos: usize, names: &Names) -> (usize, Vec<Candidate>) {
    let Some(head) = line.get(..pos) else {
        return (pos, Vec::new());
    };
    let lead = head.len() - head.trim_start().len();
    let body = &head[lead..];
    if let Some(cmd) = body.strip_prefix(':') {
        match cmd.split_once(char::is_whitespace) {
            // Still typing the command word.
            None => return (lead, commands(cmd)),
            Some((word, rest)) => {
                let arg_start = pos - rest.len();
                if let Some(r) = argument(word, rest, arg_start, names) {
                    return r;
                }
            }
        }
    }
    if let Some(r) = load_string(head) {
        return r;
    }
    word(line, pos, names)
}

fn commands(prefix: &str) -> Vec<Candidate> {
    signatures::COMMANDS
        .iter()
        .filter(|(n, _)| n.starts_with(prefix))
        // A command that takes arguments gets its blank too.
        .map(|(n, usage)| {
            let sep = if usage.is_empty() { "" } else { " " };
            Candidate { display: format!(":{n}"), replacement: format!(":{n}{sep}") }
        })
        .collect()
}

/// Completion of a command's argument, when that argument is not an
/// expression (`None` lets names be completed as usual).
fn argument(cmd: &str, rest: &str, rest_start: usize, names: &Names) -> Option<(usize, Vec<Candidate>)> {
    let trimmed = rest.trim_start();
    let start = rest_start + (rest.len() - trimmed.len());
    match cmd {
        "load" | "save" => {
            // A quoted file name: complete inside the quotes.
            let (start, typed, close) = match trimmed.strip_prefix('"') {
                Some(t) => (start + 1, t, "\""),
                None => (start, trimmed, ""),
            };
            Some((start, paths(typed, close)))
        }
        "help" | "h" if !trimmed.contains(char::is_whitespace) => {
            let mut topics: Vec<&str> = signatures::COMMANDS.iter().map(|(n, _)| *n).collect();
            topics.extend(TOPICS);
            topics.extend(signatures::BUILTINS.iter().map(|(n, _, _)| *n));
            let mut c: Vec<Candidate> =
                topics.into_iter().filter(|t| t.starts_with(trimmed)).map(|t| Candidate::same(t.to_string())).collect();
            c.sort_by(|a, b| a.display.cmp(&b.display));
            c.dedup();
            Some((start, c))
        }
        "codegen" if !trimmed.contains(char::is_whitespace) => {
            let c = ["c", "python", "rust"]
                .iter()
                .filter(|l| l.starts_with(trimmed))
                .map(|l| Candidate::same(format!("{l} ")))
                .collect();
            Some((start, c))
        }
        "dot" | "codegen" => {
            // The raw file name after `>`.
            let gt = rest.rfind('>')?;
            let after = &rest[gt + 1..];
            let typed = after.trim_start();
            Some((rest_start + gt + 1 + (after.len() - typed.len()), paths(typed, "")))
        }
        "time" | "timeit" => {
            // `:time :grad ...`: complete the inner statement.
            let (s, c) = complete(rest, rest.len(), names);
            Some((rest_start + s, c))
        }
        _ => None,
    }
}

/// Inside an open `load("...`: complete the file name.
fn load_string(head: &str) -> Option<(usize, Vec<Candidate>)> {
    // An odd number of quotes means the cursor is inside a string.
    if head.matches('"').count().is_multiple_of(2) {
        return None;
    }
    let quote = head.rfind('"')?;
    let before = head[..quote].trim_end();
    let before = before.strip_suffix('(')?.trim_end();
    if !before.ends_with("load") {
        return None;
    }
    Some((quote + 1, paths(&head[quote + 1..], "\"")))
}

/// File names that start with `typed`; directories end with `/`, files
/// with `close` (the closing quote when inside one).
fn paths(typed: &str, close: &str) -> Vec<Candidate> {
    let (dir, prefix) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let read_from = if dir.is_empty() {
        std::path::PathBuf::from(".")
    } else if let Some(rest) = dir.strip_prefix("~/") {
        dirs::home_dir().map_or_else(|| std::path::PathBuf::from(dir), |h| h.join(rest))
    } else {
        std::path::PathBuf::from(dir)
    };
    let Ok(entries) = std::fs::read_dir(&read_from) else {
        return Vec::new();
    };
    let mut out: Vec<Candidate> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            // Hidden files only when asked for.
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false)
                || (e.file_type().map(|t| t.is_symlink()).unwrap_or(false) && e.path().is_dir());
            let end = if is_dir { "/" } else { close };
            Some(Candidate {
                display: format!("{name}{}", if is_dir { "/" } else { "" }),
                replacement: format!("{dir}{name}{end}"),
            })
        })
        .take(MAX_CANDIDATES)
        .collect();
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The name being typed: functions (with their `(`), bound names, `pi`,
/// `ans` and the keywords.
fn word(line: &str, pos: usize, names: &Names) -> (usize, Vec<Candidate>) {
    let head = &line[..pos];
    let start = head.char_indices().rev().take_while(|(_, c)| is_name_char(*c)).last().map_or(pos, |(i, _)| i);
    let typed = &head[start..];
    // Nothing typed, a number (`12`), or a result (`$1`): nothing to offer.
    let first = typed.chars().next();
    if first.is_none_or(|c| c.is_ascii_digit()) || head[..start].ends_with('$') {
        return (pos, Vec::new());
    }
    // `sin|(x)`: the bracket is already there.
    let paren = if line[pos..].starts_with('(') { "" } else { "(" };
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let functions = signatures::BUILTINS.iter().map(|(n, _, _)| *n).chain(names.funcs.keys().map(String::as_str));
    for f in functions.filter(|f| f.starts_with(typed)) {
        out.insert(f.to_string(), format!("{f}{paren}"));
    }
    let plain = names.bound.iter().map(String::as_str).chain(["pi", "ans", "wrt", "where"]);
    for n in plain.filter(|n| n.starts_with(typed)) {
        out.entry(n.to_string()).or_insert_with(|| n.to_string());
    }
    let c = out.into_values().map(Candidate::same).collect();
    (start, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        let mut n = Names::default();
        n.bound.insert("weights".into());
        n.bound.insert("x".into());
        n.funcs.insert("sq2".into(), vec!["a".into()]);
        n
    }

    fn replacements(line: &str) -> (usize, Vec<String>) {
        let (s, c) = complete(line, line.len(), &names());
        (s, c.into_iter().map(|c| c.replacement).collect())
    }

    #[test]
    fn commands_complete_with_a_blank() {
        assert_eq!(replacements(":gr"), (0, vec![":grad ".to_string()]));
        assert_eq!(replacements("  :hes"), (2, vec![":hessian ".to_string()]));
        assert_eq!(replacements(":tim"), (0, vec![":time ".to_string(), ":timeit ".to_string()]));
        assert_eq!(replacements(":vars").1, vec![":vars".to_string()]);
        assert_eq!(replacements(":").1.len(), signatures::COMMANDS.len());
    }

    #[test]
    fn functions_complete_with_a_bracket() {
        assert_eq!(replacements("sigm"), (0, vec!["sigmoid(".to_string()]));
        assert_eq!(replacements("1 + sq"), (4, vec!["sq2(".to_string(), "sqrt(".to_string()]));
        assert_eq!(replacements(":grad softm"), (6, vec!["softmax(".to_string()]));
        // The bracket is not doubled.
        let (s, c) = complete("sigm(x)", 4, &names());
        assert_eq!((s, c[0].replacement.as_str()), (0, "sigmoid"));
    }

    #[test]
    fn bound_names_and_keywords() {
        assert_eq!(replacements("2*wei"), (2, vec!["weights".to_string()]));
        assert_eq!(replacements(":grad x^2 w").1, vec!["weights".to_string(), "where".to_string(), "wrt".to_string()]);
        assert_eq!(replacements("an").1, vec!["ans".to_string()]);
        assert!(replacements("x + 12").1.is_empty());
        assert!(replacements("$1").1.is_empty());
        assert!(replacements("").1.is_empty());
    }

    #[test]
    fn help_topics_and_languages() {
        assert_eq!(replacements(":help gr"), (6, vec!["grad".to_string()]));
        assert_eq!(replacements(":help conv").1, vec!["conventions".to_string()]);
        assert_eq!(replacements(":codegen py"), (9, vec!["python ".to_string()]));
    }

    #[test]
    fn file_names() {
        let dir = std::env::temp_dir().join(format!("symgrad-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("data.npy"), b"").unwrap();
        let d = dir.display();
        let (s, c) = replacements(&format!(":load {d}/da"));
        assert_eq!((s, c), (6, vec![format!("{d}/data.npy")]));
        let (_, c) = replacements(&format!(":save \"{d}/s"));
        assert_eq!(c, vec![format!("{d}/sub/")]);
        let line = format!(":let X = load(\"{d}/d");
        let (s, c) = replacements(&line);
        assert_eq!((s, c), (15, vec![format!("{d}/data.npy\"")]));
        let (_, c) = replacements(&format!(":dot x^2 > {d}/su"));
        assert_eq!(c, vec![format!("{d}/sub/")]);
        // After the string is closed, names complete again.
        assert_eq!(replacements("load(\"a\") + sigm").1, vec!["sigmoid(".to_string()]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn inside_time() {
        assert_eq!(replacements(":time :gr"), (6, vec![":grad ".to_string()]));
        assert_eq!(replacements(":timeit sigm"), (8, vec!["sigmoid(".to_string()]));
    }
}
