//! A small RFC 4180 CSV reader for the bulk routes (bars, portfolio transactions): comma
//! separated, fields optionally in double quotes (`""` is a quote inside), `\n` or `\r\n` line
//! ends, blank lines skipped. Each record keeps its 1-based line number in the file (the
//! header is line 1) for error reports.

use serde::Serialize;

/// One problem with one row of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based row of the file (the CSV header is row 1; for JSON arrays, the 1-based item).
    pub row: usize,
    /// The column (field) at fault, when there is one.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl RowError {
    /// A row error.
    #[must_use]
    pub fn new(row: usize, column: Option<&str>, message: impl Into<String>) -> Self {
        Self { row, column: column.map(str::to_owned), message: message.into() }
    }
}

/// A parsed file: the header's fields and the records with their line numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Column names (trimmed, lower-cased).
    pub header: Vec<String>,
    /// `(line, fields)`.
    pub records: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// The position of a column.
    #[must_use]
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// Parses CSV text with a header line. Errors: no header, an unterminated quote, or a record
/// whose field count differs from the header's (reported per row).
pub fn parse(text: &str) -> Result<Table, Vec<RowError>> {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut field = String::new();
    let mut fields: Vec<String> = Vec::new();
    let mut line = 1usize;
    let mut start_line = 1usize;
    let mut in_quotes = false;
    let mut quoted = false;
    let mut chars = text.strip_prefix('\u{feff}').unwrap_or(text).chars().peekable();
    let mut push_record = |fields: &mut Vec<String>, start: usize| {
        let blank = fields.len() == 1 && fields[0].trim().is_empty();
        if !blank {
            records.push((start, std::mem::take(fields)));
        }
        fields.clear();
    };
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() && !quoted => {
                field.clear();
                in_quotes = true;
                quoted = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                quoted = false;
                push_record(&mut fields, start_line);
                line += 1;
                start_line = line;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        errors.push(RowError::new(start_line, None, "unterminated quoted field"));
        return Err(errors);
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        push_record(&mut fields, start_line);
    }
    let mut it = records.into_iter();
    let Some((_, header)) = it.next() else {
        return Err(vec![RowError::new(1, None, "the file is empty: a header line is required")]);
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let mut out = Vec::new();
    for (n, rec) in it {
        if rec.len() == header.len() {
            out.push((n, rec.into_iter().map(|f| f.trim().to_owned()).collect()));
        } else {
            errors.push(RowError::new(
                n,
                None,
                format!("{} fields, but the header has {}", rec.len(), header.len()),
            ));
        }
    }
    if errors.is_empty() {
        Ok(Table { header, records: out })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_line_numbers_and_blank_lines() {
        let t = parse("A,b\r\n1,\"x, \"\"y\"\"\"\n\n\"multi\nline\",3\n").unwrap();
        assert_eq!(t.header, ["a", "b"]);
        assert_eq!(t.records[0], (2, vec!["1".to_owned(), "x, \"y\"".to_owned()]));
        assert_eq!(t.records[1], (4, vec!["multi\nline".to_owned(), "3".to_owned()]));
        let e = parse("a,b\n1\n").unwrap_err();
        assert_eq!(e[0].row, 2);
        assert!(parse("").is_err());
        assert!(parse("a\n\"x").is_err());
    }
}
