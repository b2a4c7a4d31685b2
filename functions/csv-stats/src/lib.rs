//! A data-processing function: a CSV of integers in, `count,sum,min,max,mean` out.
//!
//! Every field of every row is a number (commas and newlines separate fields, spaces around a
//! field and empty fields are ignored); a first line that is not numeric is a header and skipped.
//! The response is one CSV line, e.g. `4,10,1,4,2.50`: the mean has two decimals, rounded half
//! away from zero, computed in integers so that every machine answers alike.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{format, vec::Vec};
use core::fmt;

/// Why a request has no statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsError {
    /// A field is not a 64-bit integer.
    NotANumber {
        /// 1-based line.
        line: usize,
    },
    /// No numbers at all.
    Empty,
    /// The request is not UTF-8.
    NotText,
}

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotANumber { line } => write!(f, "line {line}: a field is not an integer"),
            Self::Empty => f.write_str("no numbers in the request"),
            Self::NotText => f.write_str("the request is not UTF-8 text"),
        }
    }
}

/// The statistics of a column of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// How many numbers.
    pub count: u64,
    /// Their sum (no overflow for any count a request can carry).
    pub sum: i128,
    /// The smallest.
    pub min: i64,
    /// The largest.
    pub max: i64,
}

impl Stats {
    /// The mean in hundredths, rounded half away from zero.
    pub fn mean_hundredths(&self) -> i128 {
        let count = i128::from(self.count);
        let scaled = self.sum * 100;
        let half = count / 2;
        if scaled >= 0 {
            (scaled + half) / count
        } else {
            (scaled - half) / count
        }
    }
}

/// The statistics of every number in `csv`.
pub fn stats(csv: &str) -> Result<Stats, StatsError> {
    let mut found: Option<Stats> = None;
    for (index, line) in csv.lines().enumerate() {
        for field in line.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let Ok(value) = field.parse::<i64>() else {
                if index == 0 && found.is_none() {
                    break; // a header line
                }
                return Err(StatsError::NotANumber { line: index + 1 });
            };
            found = Some(match found {
                None => Stats {
                    count: 1,
                    sum: value.into(),
                    min: value,
                    max: value,
                },
                Some(s) => Stats {
                    count: s.count + 1,
                    sum: s.sum + i128::from(value),
                    min: s.min.min(value),
                    max: s.max.max(value),
                },
            });
        }
    }
    found.ok_or(StatsError::Empty)
}

/// The handler: CSV text in, `count,sum,min,max,mean` out.
pub fn handle(request: &[u8]) -> Result<Vec<u8>, StatsError> {
    let csv = core::str::from_utf8(request).map_err(|_| StatsError::NotText)?;
    let s = stats(csv)?;
    let mean = s.mean_hundredths();
    let sign = if mean < 0 { "-" } else { "" };
    let (units, cents) = (mean.unsigned_abs() / 100, mean.unsigned_abs() % 100);
    Ok(format!(
        "{},{},{},{},{sign}{units}.{cents:02}",
        s.count, s.sum, s.min, s.max
    )
    .into_bytes())
}

cloudless_function::function!(handle);

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a response line back into its five fields, the mean as hundredths.
    fn fields(response: &[u8]) -> (u64, i128, i64, i64, i128) {
        let text = std::str::from_utf8(response).unwrap();
        let parts: Vec<&str> = text.split(',').collect();
        assert_eq!(parts.len(), 5, "five fields in {text:?}");
        let (whole, fraction) = parts[4].split_once('.').unwrap();
        assert_eq!(fraction.len(), 2, "two decimals in {text:?}");
        let negative = whole.starts_with('-');
        let hundredths = whole.trim_start_matches('-').parse::<i128>().unwrap() * 100
            + fraction.parse::<i128>().unwrap();
        (
            parts[0].parse().unwrap(),
            parts[1].parse().unwrap(),
            parts[2].parse().unwrap(),
            parts[3].parse().unwrap(),
            if negative { -hundredths } else { hundredths },
        )
    }

    #[test]
    fn statistics_match_the_numbers_in_every_row_and_column() {
        let numbers: Vec<i64> = (0..60).map(|i| (i * 7919) % 1000 - 400).collect();
        let csv: String = numbers
            .chunks(3)
            .map(|row| {
                let row: Vec<String> = row.iter().map(|n| format!(" {n} ")).collect();
                row.join(",") + "\r\n"
            })
            .collect();
        let (count, sum, min, max, mean) = fields(&handle(csv.as_bytes()).unwrap());
        let expected_sum: i128 = numbers.iter().map(|&n| i128::from(n)).sum();
        assert_eq!(count, numbers.len() as u64);
        assert_eq!(sum, expected_sum);
        assert_eq!(min, *numbers.iter().min().unwrap());
        assert_eq!(max, *numbers.iter().max().unwrap());
        // The mean is within half a hundredth of the exact sum / count.
        let error = (mean * numbers.len() as i128 - expected_sum * 100).abs();
        assert!(2 * error <= numbers.len() as i128, "mean {mean} is off");
    }

    #[test]
    fn a_header_line_and_empty_fields_are_skipped() {
        let response = handle(b"price,qty\n3,,4\n\n5\n").unwrap();
        assert_eq!(fields(&response), (3, 12, 3, 5, 400));
    }

    #[test]
    fn the_mean_rounds_half_away_from_zero() {
        // 1/8 = 0.125 -> 0.13; -1/8 -> -0.13; 2/3 = 0.666… -> 0.67.
        assert_eq!(fields(&handle(b"1,0,0,0,0,0,0,0").unwrap()).4, 13);
        assert_eq!(fields(&handle(b"-1,0,0,0,0,0,0,0").unwrap()).4, -13);
        assert_eq!(fields(&handle(b"1,1,0").unwrap()).4, 67);
    }

    #[test]
    fn extremes_do_not_overflow() {
        let csv = format!("{},{}", i64::MAX, i64::MAX);
        let (_, sum, ..) = fields(&handle(csv.as_bytes()).unwrap());
        assert_eq!(sum, 2 * i128::from(i64::MAX));
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert_eq!(
            handle(b"1,2\n3,x\n"),
            Err(StatsError::NotANumber { line: 2 })
        );
        assert_eq!(handle(b"a,b\n"), Err(StatsError::Empty));
        assert_eq!(handle(b""), Err(StatsError::Empty));
        assert_eq!(handle(&[0xff, 0x31]), Err(StatsError::NotText));
    }
}
