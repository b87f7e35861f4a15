//! Grouping the lines of a return request into return files: one file per BL, in the order the
//! BLs first appear; a request has 1 to [`MAX_LINES_PER_REQUEST`] lines, each BL line once.

use crate::error_code::ErrorCode;
use std::collections::BTreeSet;

/// The most lines one return request takes, as many as cart operations in one batch
/// ([`crate::cart::MAX_OPS_PER_BATCH`]): a garage's biggest return is far below it, and a request
/// is checked and recorded in one write transaction, whose length it bounds.
pub const MAX_LINES_PER_REQUEST: usize = 500;

/// A line of a request, as far as grouping is concerned.
pub trait RequestLine {
    /// The BL number the line belongs to.
    fn delivery_note(&self) -> &str;
    /// The line's number within its BL.
    fn line_no(&self) -> u32;
}

/// The lines of one future return file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileGroup<L> {
    /// The BL number.
    pub delivery_note: String,
    /// The lines, in request order.
    pub lines: Vec<L>,
}

/// Why a request cannot be grouped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupingError {
    /// The request has no line.
    #[error("La demande ne contient aucune ligne")]
    Empty,
    /// More lines than [`MAX_LINES_PER_REQUEST`].
    #[error("La demande contient trop de lignes : {MAX_LINES_PER_REQUEST} au plus par envoi. Envoyez les autres dans une seconde demande.")]
    TooManyLines,
    /// The same BL line appears twice.
    #[error("La ligne {line_no} du BL {delivery_note} figure deux fois dans la demande")]
    DuplicateLine {
        /// The BL number.
        delivery_note: String,
        /// The line number.
        line_no: u32,
    },
}

impl GroupingError {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            GroupingError::Empty => ErrorCode::EmptyRequest,
            GroupingError::TooManyLines => ErrorCode::TooManyLines,
            GroupingError::DuplicateLine { .. } => ErrorCode::DuplicateLine,
        }
    }
}

/// Whether a request of `count` lines may be sent: 1 to [`MAX_LINES_PER_REQUEST`]. Checked
/// first, before the lines themselves are looked at.
pub fn check_line_count(count: usize) -> Result<(), GroupingError> {
    match count {
        0 => Err(GroupingError::Empty),
        n if n > MAX_LINES_PER_REQUEST => Err(GroupingError::TooManyLines),
        _ => Ok(()),
    }
}

/// Groups lines into one file per BL, keeping the first-appearance order of BLs and lines.
pub fn group_by_delivery_note<L: RequestLine>(
    lines: Vec<L>,
) -> Result<Vec<FileGroup<L>>, GroupingError> {
    check_line_count(lines.len())?;
    let mut seen = BTreeSet::new();
    let mut groups: Vec<FileGroup<L>> = Vec::new();
    for line in lines {
        let key = (line.delivery_note().to_owned(), line.line_no());
        if !seen.insert(key.clone()) {
            return Err(GroupingError::DuplicateLine {
                delivery_note: key.0,
                line_no: key.1,
            });
        }
        match groups.iter_mut().find(|g| g.delivery_note == key.0) {
            Some(group) => group.lines.push(line),
            None => groups.push(FileGroup {
                delivery_note: key.0,
                lines: vec![line],
            }),
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl RequestLine for (&str, u32) {
        fn delivery_note(&self) -> &str {
            self.0
        }
        fn line_no(&self) -> u32 {
            self.1
        }
    }

    fn check(lines: Vec<(&str, u32)>, expected: Result<Vec<(&str, Vec<u32>)>, &str>) {
        let got = group_by_delivery_note(lines)
            .map(|groups| {
                groups
                    .into_iter()
                    .map(|g| {
                        (
                            g.delivery_note,
                            g.lines.iter().map(|l| l.1).collect::<Vec<_>>(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .map_err(|e| e.code());
        let expected = expected
            .map(|g| {
                g.into_iter()
                    .map(|(bl, lines)| (bl.to_owned(), lines))
                    .collect::<Vec<_>>()
            })
            .map_err(ErrorCode::parse);
        assert_eq!(got, expected);
    }

    #[test]
    fn one_file_per_bl() {
        check(vec![("1", 1)], Ok(vec![("1", vec![1])]));
        check(
            vec![("3", 2), ("1", 1), ("3", 1), ("2", 5), ("1", 4)],
            Ok(vec![("3", vec![2, 1]), ("1", vec![1, 4]), ("2", vec![5])]),
        );
        check(vec![], Err("empty_request"));
        check(vec![("1", 1), ("2", 1), ("1", 1)], Err("duplicate_line"));
    }

    #[test]
    fn at_most_500_lines() {
        let lines = |n: u32| (1..=n).map(|i| ("1", i)).collect::<Vec<_>>();
        let most = group_by_delivery_note(lines(500)).expect("500 lines group");
        assert_eq!(most[0].lines.len(), MAX_LINES_PER_REQUEST);
        check(lines(501), Err("too_many_lines"));
        // Counted before duplicates: a huge request is refused without being looked through.
        let mut doubled = lines(300);
        doubled.extend(lines(300));
        check(doubled, Err("too_many_lines"));
    }
}
