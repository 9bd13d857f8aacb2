//! Spelling one name in each language's casing, and the core's docs in each language's words.

/// `created_at` → `createdAt`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `ConnectionStatus` → `connection_status`.
pub fn snake(upper_camel: &str) -> String {
    let mut out = String::with_capacity(upper_camel.len() + 4);
    for (i, c) in upper_camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A variant named after its stable string, as every language names enum members:
/// `trade-if-available` → `TradeIfAvailable`, `snaptrade` → `Snaptrade`.
pub fn variant(value: &str) -> String {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The Python member name of a stable string: `trade-if-available` → `TRADE_IF_AVAILABLE`.
pub fn python_member(value: &str) -> String {
    value.to_ascii_uppercase().replace(['-', '.'], "_")
}

/// How a language spells members inside docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Casing {
    Snake,
    Camel,
}

/// The core's doc lines for another language: inside backticks, `Type::member` becomes
/// `Type.member`, and a known field name takes the language's casing (`raw_status` →
/// `rawStatus`). Text outside backticks is kept.
pub fn doc_lines(lines: &[String], casing: Casing, field_names: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|line| rewrite_line(line, casing, field_names))
        .collect()
}

fn rewrite_line(line: &str, casing: Casing, field_names: &[String]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut parts = line.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push('`');
        if i % 2 == 0 {
            out.push_str(&rewrite_code(part, casing, field_names));
        } else {
            out.push_str(part);
        }
    }
    out
}

fn rewrite_code(code: &str, casing: Casing, field_names: &[String]) -> String {
    if casing == Casing::Camel && code == "None" {
        return "null".to_owned();
    }
    let code = code.replace("::", ".");
    let words: Vec<String> = code
        .split('.')
        .map(|word| {
            let bare = word.trim_end_matches("()");
            if casing == Casing::Camel && field_names.iter().any(|f| f == bare) {
                word.replacen(bare, &camel(bare), 1)
            } else {
                word.to_owned()
            }
        })
        .collect();
    words.join(".")
}

/// `///` lines, or nothing.
pub fn rust_docs(lines: &[String], indent: &str) -> String {
    lines
        .iter()
        .map(|l| format!("{indent}/// {l}\n").replace("/// \n", "///\n"))
        .collect()
}

/// `name: value` in a struct literal, or the shorthand `name` when they are the same.
pub fn init(name: &str, value: &str) -> String {
    if name == value {
        name.to_owned()
    } else {
        format!("{name}: {value}")
    }
}

/// A Rust string literal of `text`.
pub fn rust_str(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(camel("created_at"), "createdAt");
        assert_eq!(snake("ConnectionStatus"), "connection_status");
        assert_eq!(variant("trade-if-available"), "TradeIfAvailable");
        assert_eq!(
            variant("account_transactions_initial_update"),
            "AccountTransactionsInitialUpdate"
        );
        assert_eq!(python_member("trade-if-available"), "TRADE_IF_AVAILABLE");
    }

    #[test]
    fn docs_take_the_language_casing_inside_backticks_only() {
        let fields = vec!["raw_status".to_owned(), "event_type".to_owned()];
        let line =
            vec!["the word stays in `Connection::raw_status`; raw_status here is prose, `fntc_x` too".to_owned()];
        assert_eq!(
            doc_lines(&line, Casing::Camel, &fields),
            vec!["the word stays in `Connection.rawStatus`; raw_status here is prose, `fntc_x` too"]
        );
        assert_eq!(
            doc_lines(&line, Casing::Snake, &fields),
            vec!["the word stays in `Connection.raw_status`; raw_status here is prose, `fntc_x` too"]
        );
    }
}
