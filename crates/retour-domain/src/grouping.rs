//! Grouping the lines of a return request into return files: one file per BL, in the order the
//! BLs first appear.

use crate::error_code::ErrorCode;
use std::collections::BTreeSet;

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
            GroupingError::DuplicateLine { .. } => ErrorCode::DuplicateLine,
        }
    }
}

/// Groups lines into one file per BL, keeping the first-appearance order of BLs and lines.
pub fn group_by_delivery_note<L: RequestLine>(
    lines: Vec<L>,
) -> Result<Vec<FileGroup<L>>, GroupingError> {
    if lines.is_empty() {
        return Err(GroupingError::Empty);
    }
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
}
