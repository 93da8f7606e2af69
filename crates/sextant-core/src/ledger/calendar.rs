//! Exchange calendars: the trading days on which a portfolio is valued.
//!
//! A [`Calendar`] is a rule set plus extra closures. `"XNYS"` (also `"XNAS"`, whose full-day
//! closures are the same) is the New York Stock Exchange's: weekends, the ten holiday rules
//! with their weekend observance (New Year's Day, Martin Luther King Jr. Day, Washington's
//! Birthday, Good Friday, Memorial Day, Juneteenth from 2022, Independence Day, Labor Day,
//! Thanksgiving, Christmas) and the unscheduled closures since 2000 (September 11-14 2001,
//! national days of mourning, Hurricane Sandy). Early closes are trading days. It covers
//! 2000-2099 and is checked against `exchange_calendars` (XNYS) day by day from 2000 to 2030.
//! `"weekdays"` is Monday to Friday; `"all"` is every day (crypto). Either takes `holidays`,
//! extra dates on which the market is closed.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::{LedgerError, LedgerResult};

/// The rule sets of [`Calendar`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarRules {
    /// Monday to Friday.
    #[default]
    #[serde(rename = "weekdays")]
    Weekdays,
    /// Every day of the week.
    #[serde(rename = "all")]
    All,
    /// The New York Stock Exchange (and Nasdaq, `"XNAS"`): weekdays less the NYSE holidays.
    #[serde(rename = "XNYS", alias = "XNAS", alias = "NYSE", alias = "NASDAQ")]
    Xnys,
}

/// A trading calendar: `"XNYS"`, or `{"name": "XNYS", "holidays": ["2030-01-02"]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CalendarForm")]
pub struct Calendar {
    /// The rules.
    pub name: CalendarRules,
    /// Extra closures.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CalendarForm {
    Name(CalendarRules),
    Full {
        #[serde(default)]
        name: CalendarRules,
        #[serde(default)]
        holidays: Vec<NaiveDate>,
    },
}

impl From<CalendarForm> for Calendar {
    fn from(f: CalendarForm) -> Self {
        match f {
            CalendarForm::Name(name) => Self { name, holidays: Vec::new() },
            CalendarForm::Full { name, holidays } => Self { name, holidays },
        }
    }
}

/// The first year of the NYSE rules.
const FIRST_YEAR: i32 = 2000;
/// The last year of the NYSE rules.
const LAST_YEAR: i32 = 2099;

/// NYSE closures outside the holiday rules since 2000.
const NYSE_UNSCHEDULED: [(i32, u32, u32); 10] = [
    (2001, 9, 11),
    (2001, 9, 12),
    (2001, 9, 13),
    (2001, 9, 14),
    (2004, 6, 11),  // President Reagan's funeral
    (2007, 1, 2),   // President Ford's funeral
    (2012, 10, 29), // Hurricane Sandy
    (2012, 10, 30),
    (2018, 12, 5), // President G. H. W. Bush's funeral
    (2025, 1, 9),  // President Carter's funeral
];

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Easter Sunday of a Gregorian year (the anonymous Gregorian computus).
fn easter(y: i32) -> NaiveDate {
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    #[allow(clippy::cast_sign_loss, reason = "month and day are small positive numbers")]
    ymd(y, month as u32, day as u32)
}

/// The `n`-th (1-based) `weekday` of a month; `n = 0` is the last one.
fn nth_weekday(y: i32, m: u32, weekday: Weekday, n: u32) -> NaiveDate {
    if n == 0 {
        let next = if m == 12 { ymd(y + 1, 1, 1) } else { ymd(y, m + 1, 1) };
        let mut d = next.pred_opt().unwrap_or(next);
        while d.weekday() != weekday {
            d = d.pred_opt().unwrap_or(d);
        }
        return d;
    }
    NaiveDate::from_weekday_of_month_opt(y, m, weekday, u8::try_from(n).unwrap_or(1))
        .unwrap_or(NaiveDate::MIN)
}

/// A fixed-date holiday observed on the nearest weekday (Saturday -> Friday, Sunday -> Monday).
fn observed(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d.pred_opt().unwrap_or(d),
        Weekday::Sun => d.succ_opt().unwrap_or(d),
        _ => d,
    }
}

/// The NYSE's rule-based full-day holidays of a year.
fn nyse_holidays(y: i32) -> Vec<NaiveDate> {
    let mut h = Vec::with_capacity(11);
    // New Year's Day: a Sunday moves to Monday; a Saturday is not observed on the Friday
    let jan1 = ymd(y, 1, 1);
    match jan1.weekday() {
        Weekday::Sat => {}
        Weekday::Sun => h.push(ymd(y, 1, 2)),
        _ => h.push(jan1),
    }
    h.push(nth_weekday(y, 1, Weekday::Mon, 3)); // Martin Luther King Jr. Day
    h.push(nth_weekday(y, 2, Weekday::Mon, 3)); // Washington's Birthday
    h.push(easter(y) - chrono::Days::new(2)); // Good Friday
    h.push(nth_weekday(y, 5, Weekday::Mon, 0)); // Memorial Day
    if y >= 2022 {
        h.push(observed(ymd(y, 6, 19))); // Juneteenth
    }
    h.push(observed(ymd(y, 7, 4)));
    h.push(nth_weekday(y, 9, Weekday::Mon, 1)); // Labor Day
    h.push(nth_weekday(y, 11, Weekday::Thu, 4)); // Thanksgiving
    h.push(observed(ymd(y, 12, 25)));
    h
}

impl Calendar {
    /// A calendar of the given rules without extra closures.
    #[must_use]
    pub const fn new(name: CalendarRules) -> Self {
        Self { name, holidays: Vec::new() }
    }

    fn check_range(&self, d: NaiveDate) -> LedgerResult<()> {
        if self.name == CalendarRules::Xnys && !(FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
            return Err(LedgerError::InvalidInput {
                field: "calendar".into(),
                reason: format!("XNYS covers {FIRST_YEAR}-{LAST_YEAR}; {d} is outside it"),
            });
        }
        Ok(())
    }

    /// Whether the market is open on `d` (without the range check of [`Self::trading_days`]).
    #[must_use]
    pub fn is_trading_day(&self, d: NaiveDate) -> bool {
        self.open(d, &self.closures(d.year()))
    }

    /// The rule-based closures of a year (empty outside XNYS).
    fn closures(&self, year: i32) -> Vec<NaiveDate> {
        if self.name != CalendarRules::Xnys {
            return Vec::new();
        }
        let mut c = nyse_holidays(year);
        c.extend(NYSE_UNSCHEDULED.iter().filter(|t| t.0 == year).map(|&(y, m, dd)| ymd(y, m, dd)));
        c
    }

    /// Whether `d` is open given its year's rule-based `closed` days and the extra holidays.
    fn open(&self, d: NaiveDate, closed: &[NaiveDate]) -> bool {
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let by_rules = match self.name {
            CalendarRules::All => true,
            CalendarRules::Weekdays => !weekend,
            CalendarRules::Xnys => !weekend && !closed.contains(&d),
        };
        by_rules && !self.holidays.contains(&d)
    }

    /// The trading days from `from` to `to`, both included.
    ///
    /// # Errors
    /// `from` after `to`, a range longer than 200 years, or XNYS outside 2000-2099.
    pub fn trading_days(&self, from: NaiveDate, to: NaiveDate) -> LedgerResult<Vec<NaiveDate>> {
        if from > to {
            return Err(LedgerError::InvalidInput {
                field: "calendar".into(),
                reason: format!("range {from} to {to} is reversed"),
            });
        }
        if (to - from).num_days() > 200 * 366 {
            return Err(LedgerError::InvalidInput {
                field: "calendar".into(),
                reason: format!("range {from} to {to} is longer than 200 years"),
            });
        }
        self.check_range(from)?;
        self.check_range(to)?;
        let mut year = i32::MIN;
        let mut closed: Vec<NaiveDate> = Vec::new();
        let mut out = Vec::new();
        let mut d = from;
        loop {
            if d.year() != year {
                year = d.year();
                closed = self.closures(year);
            }
            if self.open(d, &closed) {
                out.push(d);
            }
            match d.succ_opt() {
                Some(n) if n <= to => d = n,
                _ => break,
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_dates() {
        // published Easter Sundays
        assert_eq!(easter(2000), ymd(2000, 4, 23));
        assert_eq!(easter(2024), ymd(2024, 3, 31));
        assert_eq!(easter(2025), ymd(2025, 4, 20));
        assert_eq!(easter(2038), ymd(2038, 4, 25));
    }

    #[test]
    fn nyse_2024_holidays() {
        // the NYSE's published 2024 holiday list
        let want = [
            (1, 1),
            (1, 15),
            (2, 19),
            (3, 29),
            (5, 27),
            (6, 19),
            (7, 4),
            (9, 2),
            (11, 28),
            (12, 25),
        ]
        .map(|(m, d)| ymd(2024, m, d));
        assert_eq!(nyse_holidays(2024), want);
        let days = Calendar::new(CalendarRules::Xnys)
            .trading_days(ymd(2024, 1, 1), ymd(2024, 12, 31))
            .unwrap();
        assert_eq!(days.len(), 252);
    }
}
