//! USB barcode scanners in keyboard-wedge mode: a burst of keystrokes to a code, or a person
//! typing.
//!
//! A scanner "types" the whole code within a few milliseconds per character and ends it with
//! Enter or Tab; a person types tens of milliseconds apart at best. Pure: keystrokes come in with
//! their timestamps in milliseconds. The text may carry an AIM symbology prefix (`]C1`…), GS
//! separators and CR/LF/TAB: they are kept in [`WedgeCode::text`] except the trailing
//! terminators, and [`retour_domain::classify`] reads through them.

use retour_domain::ScannedCode;
use serde::Serialize;

/// A key as the wedge listener sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WedgeKey {
    /// A printable character, or a control character the scanner sends (GS = `'\u{1d}'`).
    Char(char),
    /// Enter (Return); CR and LF characters count as Enter too.
    Enter,
    /// Tab.
    Tab,
}

/// A key press and when it happened, in milliseconds on any monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keystroke {
    pub key: WedgeKey,
    pub at_ms: u64,
}

impl Keystroke {
    /// A character typed at `at_ms`.
    pub fn char(c: char, at_ms: u64) -> Keystroke {
        Keystroke {
            key: WedgeKey::Char(c),
            at_ms,
        }
    }

    fn is_terminator(&self) -> bool {
        matches!(
            self.key,
            WedgeKey::Enter | WedgeKey::Tab | WedgeKey::Char('\r' | '\n' | '\t')
        )
    }
}

/// A code a scanner typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WedgeCode {
    /// The typed text without its terminator (AIM prefix and GS separators kept).
    pub text: String,
    /// What the code is, through `retour_domain::classify`.
    pub classification: Option<ScannedCode>,
}

/// What a sequence of keystrokes was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WedgeOutcome {
    /// A scanner burst.
    Code(WedgeCode),
    /// Keystrokes too slow or too few for a scanner: a person typing, leave them to the field.
    PersonTyping,
    /// No Enter or Tab yet.
    Incomplete,
}

/// Longest pause between two keystrokes of one burst (scanners: 1–30 ms; people: 80 ms and up).
pub const MAX_BURST_GAP_MS: u64 = 50;
/// Longest average pause between keystrokes of a burst.
pub const MAX_BURST_MEAN_GAP_MS: u64 = 30;
/// Fewest characters in a scanned code (after the terminator is removed).
pub const MIN_BURST_CHARS: usize = 4;

/// Classifies a complete keystroke sequence (a burst must end with Enter or Tab).
pub fn parse_burst(keys: &[Keystroke]) -> WedgeOutcome {
    // Terminators before any character (a scanner's leading Tab, say) are ignored.
    let start = keys
        .iter()
        .position(|k| !k.is_terminator())
        .unwrap_or(keys.len());
    let keys = &keys[start..];
    let Some(end) = keys.iter().position(Keystroke::is_terminator) else {
        return WedgeOutcome::Incomplete;
    };
    let body = &keys[..end];
    let through_terminator = &keys[..=end];
    let text: String = body
        .iter()
        .filter_map(|k| match k.key {
            WedgeKey::Char(c) => Some(c),
            _ => None,
        })
        .collect();
    let chars = text.chars().filter(|c| !c.is_control()).count();
    if chars < MIN_BURST_CHARS {
        return WedgeOutcome::PersonTyping;
    }
    let gaps: Vec<u64> = through_terminator
        .windows(2)
        .map(|pair| pair[1].at_ms.saturating_sub(pair[0].at_ms))
        .collect();
    let max_gap = gaps.iter().copied().max().unwrap_or(0);
    let mean_gap = gaps.iter().sum::<u64>() / gaps.len().max(1) as u64;
    if max_gap > MAX_BURST_GAP_MS || mean_gap > MAX_BURST_MEAN_GAP_MS {
        return WedgeOutcome::PersonTyping;
    }
    let classification = retour_domain::classify(&text);
    WedgeOutcome::Code(WedgeCode {
        text,
        classification,
    })
}

/// Feeds keystrokes one at a time (from a window-wide key listener) and says when a burst ends.
#[derive(Debug, Default, Clone)]
pub struct WedgeListener {
    pending: Vec<Keystroke>,
}

impl WedgeListener {
    /// A listener with nothing pending.
    pub fn new() -> WedgeListener {
        WedgeListener::default()
    }

    /// Takes one keystroke; returns the outcome when it ends a sequence (Enter or Tab), `None`
    /// while a burst may still be going on. A pause longer than [`MAX_BURST_GAP_MS`] starts
    /// over, so a person's slow typing never accumulates into a code.
    pub fn push(&mut self, key: Keystroke) -> Option<WedgeOutcome> {
        if let Some(last) = self.pending.last() {
            if key.at_ms.saturating_sub(last.at_ms) > MAX_BURST_GAP_MS {
                self.pending.clear();
            }
        }
        let ends = key.is_terminator();
        self.pending.push(key);
        if !ends {
            return None;
        }
        let keys = std::mem::take(&mut self.pending);
        if keys.len() == 1 {
            // A lone Enter or Tab is the person's.
            return Some(WedgeOutcome::PersonTyping);
        }
        Some(parse_burst(&keys))
    }
}
