//! A string that must never be printed: consumer keys, user secrets, API keys, tokens.

use std::fmt;

/// Holds a credential. `Debug` and `Display` print `***`, so a secret that ends up in a log
/// line, an error message or a binding's `repr` stays hidden; `expose` is the only way out.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value, for signing or for sending on the wire. Never format it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Secret::new(value))
    }
}

/// Read straight from a provider's JSON, so a secret is never a plain `String` in between.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

/// Replaces every occurrence of a known secret in a text that came from elsewhere (an echoing
/// server may quote what it was sent). Secrets shorter than 4 characters are left: replacing
/// them would mangle ordinary words without hiding anything worth guessing.
pub(crate) fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a Secret>) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        if secret.expose().len() >= 4 {
            text = text.replace(secret.expose(), "***");
        }
    }
    text
}

/// Provider text that reached an error message is at most this long (characters).
pub const PROVIDER_TEXT_MAX_CHARS: usize = 300;

/// A provider's free text made fit for an error message: every credential the request carried
/// replaced by `***`, terminal escape sequences and control characters (bidi overrides too)
/// removed, line breaks and tabs as spaces, and at most [`PROVIDER_TEXT_MAX_CHARS`] long.
/// A hostile or broken server cannot rewrite a user's terminal or log lines through it.
pub(crate) fn provider_text(text: &str, secrets: &[Secret]) -> String {
    let redacted = redact(text, secrets);
    let mut clean = String::with_capacity(redacted.len().min(PROVIDER_TEXT_MAX_CHARS * 4));
    let mut chars = redacted.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape_sequence(&mut chars),
            '\n' | '\r' | '\t' => clean.push(' '),
            c if c.is_control() || is_bidi_control(c) => {}
            c => clean.push(c),
        }
    }
    // Removing characters may have joined the pieces of a secret back together.
    let clean = redact(&clean, secrets);
    let mut capped: String = clean.chars().take(PROVIDER_TEXT_MAX_CHARS).collect();
    if clean.chars().nth(PROVIDER_TEXT_MAX_CHARS).is_some() {
        capped.push('…');
    }
    capped
}

/// Skips what follows an ESC: a CSI sequence (`ESC [ … final`), an OSC string (`ESC ] … BEL` or
/// `ESC ] … ESC \`), or the one character of a two-character escape.
fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            while let Some(c) = chars.next() {
                if c == '\u{07}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// Characters that reorder how the text around them is displayed.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_text_is_redacted_cleaned_and_capped() {
        let secrets = [Secret::new("user-secret-1"), Secret::new("sess_abcdef")];
        let text =
            "bad \u{1b}[31mred\u{1b}[0m user-secret-1 for sess_abcdef\r\nnext\u{7}\u{202e}txt \u{1b}]0;title\u{7}end";
        assert_eq!(provider_text(text, &secrets), "bad red *** for ***  nexttxt end");
        // A secret split by a control character is still hidden once the text is cleaned.
        assert_eq!(provider_text("user-secret\u{0}-1", &secrets), "***");
        let long = "x".repeat(1000);
        let capped = provider_text(&long, &[]);
        assert_eq!(capped.chars().count(), PROVIDER_TEXT_MAX_CHARS + 1);
        assert!(capped.ends_with('…'));
        assert_eq!(provider_text("short", &[]), "short");
    }

    #[test]
    fn formatting_never_reveals_the_value() {
        let secret = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(***)");
        assert_eq!(secret.expose(), "hunter2-very-secret");
    }
}
