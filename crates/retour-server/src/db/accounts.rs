//! Customers (garages) and accounts: creating them, finding an account by e-mail or id, its
//! password hash.

use super::values::{parse_role, role_code};
use super::{Conn, DbResult, Dialect, FromRow, Param, Row};
use retour_domain::api::Role;

/// A trade customer (a garage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    /// The row id.
    pub id: i64,
    /// The account code.
    pub code: String,
    /// The garage's name.
    pub name: String,
}

/// An account as stored.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// The row id.
    pub id: i64,
    /// The e-mail (unique, case-insensitive).
    pub email: String,
    /// The display name.
    pub name: String,
    /// Customer or staff.
    pub role: Role,
    /// The garage, for customer accounts.
    pub customer: Option<CustomerRow>,
    /// The Argon2id PHC string.
    pub password_hash: String,
}

/// The columns [`AccountRow::from_row`] reads, over `accounts a LEFT JOIN customers c`.
const ACCOUNT_COLUMNS: &str = "a.id, a.email, a.name, a.role, a.password_hash,
     c.id AS customer_id, c.code AS customer_code, c.name AS customer_name";

impl FromRow for AccountRow {
    fn from_row(row: &Row<'_>) -> DbResult<AccountRow> {
        let customer = match (
            row.get::<Option<i64>>("customer_id")?,
            row.get::<Option<String>>("customer_code")?,
            row.get::<Option<String>>("customer_name")?,
        ) {
            (Some(id), Some(code), Some(name)) => Some(CustomerRow { id, code, name }),
            _ => None,
        };
        Ok(AccountRow {
            id: row.get("id")?,
            email: row.get("email")?,
            name: row.get("name")?,
            role: parse_role(&row.get::<String>("role")?),
            customer,
            password_hash: row.get("password_hash")?,
        })
    }
}

impl Conn<'_> {
    /// Creates a customer.
    pub fn insert_customer(&self, code: &str, name: &str) -> DbResult<i64> {
        self.value(
            "INSERT INTO customers (code, name) VALUES (?1, ?2) RETURNING id",
            &[&code, &name],
        )
    }

    /// Creates an account.
    pub fn insert_account(
        &self,
        email: &str,
        name: &str,
        role: Role,
        customer_id: Option<i64>,
        password_hash: &str,
    ) -> DbResult<i64> {
        self.value(
            "INSERT INTO accounts (email, name, role, customer_id, password_hash)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            &[
                &email,
                &name,
                &role_code(role),
                &customer_id,
                &password_hash,
            ],
        )
    }

    /// Holds the customer's logs until the transaction ends, so that what it appends to them
    /// (cart ops, notifications, read by devices after a cursor) takes its sequence numbers in
    /// the order the transactions commit. PostgreSQL: a lock on the customer's row; without it,
    /// one transaction could take 10, another 11 and commit first, and a device that read up to
    /// 11 would never see 10. SQLite's single writer already commits in sequence order.
    pub fn hold_customer_logs(&self, customer_id: i64) -> DbResult<()> {
        if self.dialect() == Dialect::Postgres {
            self.execute(
                "SELECT id FROM customers WHERE id = ?1 FOR UPDATE",
                &[&customer_id],
            )?;
        }
        Ok(())
    }

    /// Whether any account exists (the demo seed runs once).
    pub fn has_accounts(&self) -> DbResult<bool> {
        self.value("SELECT EXISTS (SELECT 1 FROM accounts)", &[])
    }

    fn account_where(&self, clause: &str, param: &dyn Param) -> DbResult<Option<AccountRow>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}
               FROM accounts a LEFT JOIN customers c ON c.id = a.customer_id WHERE {clause}"
        );
        self.query_first(&sql, &[param])
    }

    /// The account with this e-mail (case-insensitive).
    pub fn account_by_email(&self, email: &str) -> DbResult<Option<AccountRow>> {
        self.account_where("a.email = ?1", &email)
    }

    /// The account with this id.
    pub fn account_by_id(&self, id: i64) -> DbResult<Option<AccountRow>> {
        self.account_where("a.id = ?1", &id)
    }

    /// Replaces an account's password hash.
    pub fn set_password_hash(&self, account_id: i64, hash: &str) -> DbResult<()> {
        self.execute(
            "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
            &[&account_id, &hash],
        )?;
        Ok(())
    }
}
