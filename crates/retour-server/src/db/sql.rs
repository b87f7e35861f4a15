//! The statements both databases run: one SQL text per query (SQLite's `?1` placeholders, the
//! subset of SQL both understand), its parameters as [`Param`]s and its rows read as [`Cell`]s,
//! whichever of SQLite or PostgreSQL answers. [`Conn`]'s `execute`, `query`… are what every
//! area's queries call; they never see a driver's types.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use super::{DbError, DbResult};

/// One parameter of a statement, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    /// SQL NULL.
    Null,
    /// An integer (booleans are stored as 0 and 1 in both databases).
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

/// What can be bound to a statement's placeholder.
pub(crate) trait Param {
    /// The value bound.
    fn value(&self) -> Value<'_>;
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn value(&self) -> Value<'_> {
                Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_param!(i64, i32, u32, u16, u8, u64, usize);

impl Param for bool {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}

impl Param for f64 {
    fn value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl Param for str {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for String {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for [u8] {
    fn value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl Param for Vec<u8> {
    fn value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, Param::value)
    }
}

/// One value of a result row, owned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// SQL NULL.
    Null,
    /// An integer or a boolean (true is 1).
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// A Rust value read from one [`Cell`].
pub(crate) trait FromCell: Sized {
    /// Reads the cell of `column` (named in errors).
    fn from_cell(cell: Cell, column: &str) -> DbResult<Self>;
}

fn wrong_type(column: &str, cell: &Cell, wanted: &str) -> DbError {
    DbError::Corrupt(format!("column {column}: {cell:?} is not {wanted}"))
}

macro_rules! int_cell {
    ($($t:ty),*) => {$(
        impl FromCell for $t {
            fn from_cell(cell: Cell, column: &str) -> DbResult<$t> {
                match cell {
                    Cell::Int(v) => <$t>::try_from(v)
                        .map_err(|_| wrong_type(column, &cell, stringify!($t))),
                    other => Err(wrong_type(column, &other, stringify!($t))),
                }
            }
        }
    )*};
}
int_cell!(i64, i32, u32, u16, u8, u64, usize);

impl FromCell for bool {
    fn from_cell(cell: Cell, column: &str) -> DbResult<bool> {
        match cell {
            Cell::Int(v) => Ok(v != 0),
            other => Err(wrong_type(column, &other, "a boolean")),
        }
    }
}

impl FromCell for f64 {
    fn from_cell(cell: Cell, column: &str) -> DbResult<f64> {
        match cell {
            Cell::Real(v) => Ok(v),
            #[allow(clippy::cast_precision_loss)]
            Cell::Int(v) => Ok(v as f64),
            other => Err(wrong_type(column, &other, "a number")),
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: Cell, column: &str) -> DbResult<String> {
        match cell {
            Cell::Text(v) => Ok(v),
            other => Err(wrong_type(column, &other, "text")),
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(cell: Cell, column: &str) -> DbResult<Vec<u8>> {
        match cell {
            Cell::Blob(v) => Ok(v),
            other => Err(wrong_type(column, &other, "bytes")),
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: Cell, column: &str) -> DbResult<Option<T>> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other, column).map(Some),
        }
    }
}

/// A column of a row: by name, or by position (from 0).
pub(crate) trait Column: Copy + std::fmt::Display {
    /// The cell of this column in a SQLite row.
    fn sqlite(self, row: &rusqlite::Row<'_>) -> DbResult<Cell>;
    /// The cell of this column in a PostgreSQL row.
    fn postgres(self, row: &postgres::Row) -> DbResult<Cell>;
}

impl Column for &str {
    fn sqlite(self, row: &rusqlite::Row<'_>) -> DbResult<Cell> {
        Ok(Cell::from(row.get_ref(self)?))
    }
    fn postgres(self, row: &postgres::Row) -> DbResult<Cell> {
        Ok(row.try_get::<_, Cell>(self)?)
    }
}

impl Column for usize {
    fn sqlite(self, row: &rusqlite::Row<'_>) -> DbResult<Cell> {
        Ok(Cell::from(row.get_ref(self)?))
    }
    fn postgres(self, row: &postgres::Row) -> DbResult<Cell> {
        Ok(row.try_get::<_, Cell>(self)?)
    }
}

impl From<rusqlite::types::ValueRef<'_>> for Cell {
    fn from(value: rusqlite::types::ValueRef<'_>) -> Cell {
        use rusqlite::types::ValueRef;
        match value {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(v) => Cell::Int(v),
            ValueRef::Real(v) => Cell::Real(v),
            ValueRef::Text(v) => Cell::Text(String::from_utf8_lossy(v).into_owned()),
            ValueRef::Blob(v) => Cell::Blob(v.to_vec()),
        }
    }
}

/// One result row, of either database.
pub(crate) enum Row<'r> {
    /// A SQLite row.
    Sqlite(&'r rusqlite::Row<'r>),
    /// A PostgreSQL row.
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// The value of `column`, read as a `T`.
    pub(crate) fn get<T: FromCell>(&self, column: impl Column) -> DbResult<T> {
        let cell = match self {
            Row::Sqlite(row) => column.sqlite(row)?,
            Row::Postgres(row) => column.postgres(row)?,
        };
        T::from_cell(cell, &column.to_string())
    }
}

/// A value read from one result row, by column name.
pub(crate) trait FromRow: Sized {
    /// Reads the row.
    fn from_row(row: &Row<'_>) -> DbResult<Self>;
}

/// One column read as a value: `query::<Single<i64>>` reads the first column of each row.
pub(crate) struct Single<T>(pub(crate) T);

impl<T: FromCell> FromRow for Single<T> {
    fn from_row(row: &Row<'_>) -> DbResult<Single<T>> {
        row.get(0).map(Single)
    }
}

impl<A: FromCell, B: FromCell> FromRow for (A, B) {
    fn from_row(row: &Row<'_>) -> DbResult<(A, B)> {
        Ok((row.get(0)?, row.get(1)?))
    }
}

impl<A: FromCell, B: FromCell, C: FromCell> FromRow for (A, B, C) {
    fn from_row(row: &Row<'_>) -> DbResult<(A, B, C)> {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    }
}

/// The SQL dialect a statement is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite: statements as written.
    Sqlite,
    /// PostgreSQL: `?N` placeholders become `$N`.
    Postgres,
}

/// A statement in PostgreSQL's dialect: `?N` → `$N` (outside quoted literals).
pub(crate) fn to_postgres(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for ch in sql.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                out.push(ch);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(ch),
        }
    }
    Cow::Owned(out)
}

/// A PostgreSQL transaction and its connection's prepared statements (by SQLite text).
pub(crate) struct PgTx<'c> {
    pub(crate) tx: RefCell<postgres::Transaction<'c>>,
    pub(crate) statements: &'c RefCell<HashMap<String, postgres::Statement>>,
    /// Set when a statement failed for a serialisation conflict or a deadlock: the whole
    /// transaction may be tried again.
    pub(crate) conflict: std::cell::Cell<bool>,
}

impl PgTx<'_> {
    fn statement(&self, sql: &str) -> DbResult<postgres::Statement> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.borrow_mut().prepare(&to_postgres(sql))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn noted(&self, error: postgres::Error) -> DbError {
        use postgres::error::SqlState;
        if matches!(
            error.code(),
            Some(&SqlState::T_R_SERIALIZATION_FAILURE) | Some(&SqlState::T_R_DEADLOCK_DETECTED)
        ) {
            self.conflict.set(true);
        }
        DbError::Postgres(error)
    }
}

/// The statements a PostgreSQL transaction runs for [`super::Conn`].
pub(crate) trait PgStatements {
    /// Runs a statement; the number of rows it changed.
    fn execute(&self, sql: &str, params: &[&dyn Param]) -> DbResult<u64>;
    /// Every row of a query.
    fn query(&self, sql: &str, params: &[&dyn Param]) -> DbResult<Vec<postgres::Row>>;
    /// Runs statements without parameters.
    fn batch(&self, sql: &str) -> DbResult<()>;
}

impl PgStatements for PgTx<'_> {
    fn execute(&self, sql: &str, params: &[&dyn Param]) -> DbResult<u64> {
        let statement = self.statement(sql)?;
        let values = pg_values(params);
        let refs = pg_refs(&values);
        self.tx
            .borrow_mut()
            .execute(&statement, &refs)
            .map_err(|e| self.noted(e))
    }

    fn query(&self, sql: &str, params: &[&dyn Param]) -> DbResult<Vec<postgres::Row>> {
        let statement = self.statement(sql)?;
        let values = pg_values(params);
        let refs = pg_refs(&values);
        self.tx
            .borrow_mut()
            .query(&statement, &refs)
            .map_err(|e| self.noted(e))
    }

    fn batch(&self, sql: &str) -> DbResult<()> {
        self.tx
            .borrow_mut()
            .batch_execute(sql)
            .map_err(|e| self.noted(e))
    }
}

fn pg_values<'p>(params: &'p [&'p dyn Param]) -> Vec<Value<'p>> {
    params.iter().map(|p| p.value()).collect()
}

fn pg_refs<'v>(values: &'v [Value<'v>]) -> Vec<&'v (dyn postgres::types::ToSql + Sync)> {
    values
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(v),
            Value::Real(v) => ValueRef::Real(v),
            Value::Text(v) => ValueRef::Text(v.as_bytes()),
            Value::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

type PgError = Box<dyn std::error::Error + Sync + Send>;

impl postgres::types::ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, PgError> {
        use postgres::types::{IsNull, Type};
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                #[allow(clippy::cast_precision_loss)]
                Type::FLOAT8 => (v as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Real(v) => v.to_sql(ty, out),
            // Text goes as its UTF-8 bytes whatever the column's text type (citext included).
            Value::Text(v) => {
                out.extend_from_slice(v.as_bytes());
                Ok(IsNull::No)
            }
            Value::Blob(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

impl<'a> postgres::types::FromSql<'a> for Cell {
    fn from_sql(ty: &postgres::types::Type, raw: &'a [u8]) -> Result<Cell, PgError> {
        use postgres::types::Type;
        Ok(match *ty {
            Type::INT2 => Cell::Int(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => Cell::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => Cell::Int(i64::from_sql(ty, raw)?),
            Type::BOOL => Cell::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT4 => Cell::Real(f32::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::BYTEA => Cell::Blob(raw.to_vec()),
            // TEXT, VARCHAR, NAME, citext…: text in UTF-8.
            _ => Cell::Text(std::str::from_utf8(raw)?.to_owned()),
        })
    }

    fn from_sql_null(_: &postgres::types::Type) -> Result<Cell, PgError> {
        Ok(Cell::Null)
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_dollars_outside_literals() {
        assert_eq!(
            to_postgres("SELECT a FROM t WHERE b = ?1 AND c = '?' AND d = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d = $12"
        );
        assert!(matches!(to_postgres("SELECT 1"), Cow::Borrowed(_)));
    }
}
