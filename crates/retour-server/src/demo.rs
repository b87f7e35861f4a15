//! Demo data: a French catalogue that looks real, two garages with BLs over the last 30 days,
//! a returns-staff account, and return files in every status, the closed ones decided line by
//! line (one refused for fitting marks, with a thread between the garage and the returns
//! service). Deterministic for a given day.
//!
//! [`seed`] is what `retour-server seed-demo` and the app's demo mode run; [`seed_bulk`] adds the
//! volume the benchmark needs.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use retour_domain::api::{DossierStatus, Outcome, RequestRef, Role};
use retour_domain::code::normalize_reference;
use retour_domain::decision::{Disposition, LineDecision, RefusalReason};
use retour_domain::hours::{paris_instant, TimeOfDay};
use retour_domain::reason::{LinePrices, ReasonTable};
use retour_domain::status::Closure;
use retour_domain::timeline::{self, Actor, Author, EventKind};
use retour_domain::{Gtin, Money};

use crate::auth::hash_password;
use crate::db::{Conn, Db, DbError, NewLine, NewMessage, StoredDossier, StoredDossierLine};

/// A demo account's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAccount {
    /// The e-mail it signs in with.
    pub email: &'static str,
    /// Its password.
    pub password: &'static str,
}

/// Every demo account, the one place their credentials are written: garage A (the account the
/// app's login screen offers), garage B, then the returns staff.
/// Both garages share one password (the seed hashes it once).
pub const DEMO_ACCOUNTS: [DemoAccount; 3] = [
    DemoAccount {
        email: "atelier@garage-demo.fr",
        password: CUSTOMER_PASSWORD,
    },
    DemoAccount {
        email: "contact@autre-garage.fr",
        password: CUSTOMER_PASSWORD,
    },
    DemoAccount {
        email: "retours@distributeur.fr",
        password: "Retour-Staff-2026",
    },
];

/// Garage A, the customer tests, benches and the demo sign in as.
pub const GARAGE_A: DemoAccount = DEMO_ACCOUNTS[0];
/// Garage B, another customer.
pub const GARAGE_B: DemoAccount = DEMO_ACCOUNTS[1];
/// The returns staff.
pub const STAFF_ACCOUNT: DemoAccount = DEMO_ACCOUNTS[2];

/// Customer A's e-mail.
pub const CUSTOMER_A: &str = GARAGE_A.email;
/// Customer B's e-mail.
pub const CUSTOMER_B: &str = GARAGE_B.email;
/// Both customers' password.
pub const CUSTOMER_PASSWORD: &str = "Retour-Demo-2026";
/// The returns staff's e-mail.
pub const STAFF: &str = STAFF_ACCOUNT.email;
/// The staff's password.
pub const STAFF_PASSWORD: &str = STAFF_ACCOUNT.password;

/// Garage A's BL delivered 45 days ago: past its return window (the app says since when).
pub const PAST_WINDOW_BL: &str = "250000901";
/// Garage A's BL of 12 days ago whose every unit was already returned.
pub const RETURNED_BL: &str = "250000902";

/// What the seed made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeded {
    /// BLs created.
    pub delivery_notes: usize,
    /// Return files created.
    pub dossiers: usize,
    /// `false` when the database already had accounts and nothing was done.
    pub created: bool,
}

/// A catalogue product: brand, reference, designation, GTIN prefix index, net price, deposit.
struct Product {
    brand: &'static str,
    reference: &'static str,
    designation: &'static str,
    gtin_body: Option<&'static str>,
    price: &'static str,
    deposit: Option<&'static str>,
}

const fn p(
    brand: &'static str,
    reference: &'static str,
    designation: &'static str,
    gtin_body: Option<&'static str>,
    price: &'static str,
    deposit: Option<&'static str>,
) -> Product {
    Product {
        brand,
        reference,
        designation,
        gtin_body,
        price,
        deposit,
    }
}

/// The catalogue; GTIN bodies are 12 digits, the check digit is computed.
const CATALOGUE: &[Product] = &[
    p(
        "Bosch",
        "0986424707",
        "PLAQ FREIN BP420",
        Some("404702455056"),
        "19.19",
        None,
    ),
    p(
        "Bosch",
        "0986494144",
        "PLAQ FREIN AV BP1001",
        Some("404702421379"),
        "32.40",
        None,
    ),
    p(
        "Bosch",
        "0242236565",
        "BOUGIE ALLUMAGE FR7DCX+",
        Some("404702424128"),
        "4.85",
        None,
    ),
    p(
        "Bosch",
        "0986041850",
        "ALTERNATEUR REMAN 90A",
        Some("404702430142"),
        "152.40",
        Some("45.00"),
    ),
    p(
        "Bosch",
        "0986018940",
        "DEMARREUR REMAN 1.4KW",
        Some("404702430398"),
        "128.90",
        Some("40.00"),
    ),
    p(
        "Bosch",
        "1457429192",
        "FILTRE A HUILE P9192",
        Some("404702411452"),
        "7.35",
        None,
    ),
    p(
        "Bosch",
        "3397007620",
        "BALAI ESSUIE-GLACE AEROTWIN A620S",
        Some("316516310226"),
        "24.90",
        None,
    ),
    p(
        "Bosch",
        "0280218116",
        "DEBITMETRE AIR HFM5",
        None,
        "142.00",
        None,
    ),
    p(
        "Valeo",
        "826704",
        "KIT EMBRAYAGE 3P",
        Some("327642826704"),
        "189.00",
        None,
    ),
    p(
        "Valeo",
        "437469",
        "ALTERNATEUR TG12C REMAN",
        Some("327642437469"),
        "210.50",
        Some("60.00"),
    ),
    p(
        "Valeo",
        "574613",
        "BALAI ESSUIE-GLACE SILENCIO VM",
        Some("327642574613"),
        "21.30",
        None,
    ),
    p(
        "Valeo",
        "715580",
        "FILTRE HABITACLE CLIMFILTER",
        Some("327642715580"),
        "12.90",
        None,
    ),
    p(
        "Valeo",
        "438171",
        "DEMARREUR D7E REMAN",
        Some("327642438171"),
        "175.00",
        Some("50.00"),
    ),
    p(
        "Philips",
        "12972PRC1",
        "AMPOULE H7 VISION +30%",
        Some("872790025987"),
        "6.40",
        None,
    ),
    p(
        "Philips",
        "12342PRC1",
        "AMPOULE H4 VISION",
        Some("872790025986"),
        "5.90",
        None,
    ),
    p(
        "Philips",
        "12961B2",
        "AMPOULE W5W X2",
        Some("872790082844"),
        "2.10",
        None,
    ),
    p(
        "Mann-Filter",
        "HU 7008 z",
        "FILTRE A HUILE HU7008Z",
        Some("401155872100"),
        "9.80",
        None,
    ),
    p(
        "Mann-Filter",
        "C 27 009",
        "FILTRE A AIR C27009",
        Some("401155873001"),
        "14.20",
        None,
    ),
    p(
        "Mann-Filter",
        "WK 842/2",
        "FILTRE CARBURANT WK842/2",
        Some("401155801900"),
        "16.75",
        None,
    ),
    p(
        "Mann-Filter",
        "CUK 2939",
        "FILTRE HABITACLE CHARBON CUK2939",
        Some("401155833062"),
        "18.60",
        None,
    ),
    p(
        "TRW",
        "GDB1330",
        "PLAQ FREIN GDB1330",
        Some("503687515207"),
        "27.50",
        None,
    ),
    p(
        "TRW",
        "DF4294",
        "DISQUE FREIN AV DF4294 X2",
        Some("503687536112"),
        "38.90",
        None,
    ),
    p(
        "TRW",
        "BHN1024E",
        "ETRIER FREIN AV REMAN",
        Some("503687577301"),
        "89.00",
        Some("30.00"),
    ),
    p(
        "TRW",
        "JTE1033",
        "ROTULE DIRECTION JTE1033",
        Some("503687548025"),
        "22.40",
        None,
    ),
    p(
        "NGK",
        "BKR6E",
        "BOUGIE BKR6E",
        Some("008729520305"),
        "3.90",
        None,
    ),
    p(
        "NGK",
        "ILZKR7B11",
        "BOUGIE IRIDIUM ILZKR7B11",
        Some("008729507350"),
        "15.60",
        None,
    ),
    p(
        "NGK",
        "U2028",
        "BOBINE ALLUMAGE U2028",
        Some("008729548206"),
        "46.00",
        None,
    ),
    p(
        "SKF",
        "VKBA 3525",
        "KIT ROULEMENT ROUE AR",
        Some("731612040183"),
        "48.70",
        None,
    ),
    p(
        "SKF",
        "VKMA 01250",
        "KIT DISTRIBUTION VKMA01250",
        Some("731612054104"),
        "112.30",
        None,
    ),
    p(
        "SKF",
        "VKPC 85310",
        "POMPE A EAU VKPC85310",
        None,
        "58.10",
        None,
    ),
];

/// A GTIN-13 with its check digit.
fn gtin13(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// SplitMix64: a tiny deterministic generator, so the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, low: u32, high: u32) -> u32 {
        low + u32::try_from(self.below(u64::from(high - low + 1))).unwrap_or(0)
    }
}

fn money(text: &str) -> Money {
    Money::parse(text).expect("catalogue prices are valid")
}

fn product_line(line_no: u32, product: &Product, qty: u32, returned_qty: u32) -> NewLine {
    let gtin = product.gtin_body.map(gtin13);
    NewLine {
        line_no,
        reference: product.reference.to_owned(),
        reference_key: normalize_reference(product.reference),
        brand: product.brand.to_owned(),
        designation: product.designation.to_owned(),
        gtin_key: gtin.as_deref().and_then(Gtin::parse).map(|g| g.gtin14()),
        gtin,
        qty,
        returned_qty,
        unit_price: money(product.price),
        deposit: product.deposit.map(money),
    }
}

/// Writes a BL with its lines and total.
fn insert_note(
    c: &Conn<'_>,
    customer: i64,
    number: &str,
    day: NaiveDate,
    lines: &[NewLine],
) -> Result<(), DbError> {
    let total: Money = lines
        .iter()
        .map(|l| l.unit_price.times(l.qty, rust_decimal::Decimal::ONE))
        .sum();
    c.insert_delivery_note(customer, number, day, total)?;
    for line in lines {
        c.insert_delivery_line(number, line)?;
    }
    Ok(())
}

fn at_paris(day: NaiveDate, hour: u16, minute: u16) -> DateTime<Utc> {
    TimeOfDay::from_hm(hour, minute)
        .and_then(|t| paris_instant(day, t))
        .unwrap_or_else(|| {
            day.and_hms_opt(12, 0, 0)
                .map_or_else(Utc::now, |d| d.and_utc())
        })
}

/// Creates a customer's BLs over the 31 days up to `today` (none on Sundays); returns them as
/// `(number, day, lines)`.
fn seed_notes(
    c: &Conn<'_>,
    rng: &mut Rng,
    customer: i64,
    first_number: u32,
    today: NaiveDate,
) -> Result<Vec<(String, NaiveDate, Vec<NewLine>)>, DbError> {
    let mut notes = Vec::new();
    let mut number = first_number;
    for age in (0..=30u64).rev() {
        let Some(day) = today.checked_sub_days(Days::new(age)) else {
            continue;
        };
        if day.weekday() == Weekday::Sun {
            continue;
        }
        for _ in 0..rng.range(2, 4) {
            let count = rng.range(1, 12);
            let mut lines = Vec::new();
            for line_no in 1..=count {
                let product =
                    &CATALOGUE[usize::try_from(rng.below(CATALOGUE.len() as u64)).unwrap_or(0)];
                let qty = if product.deposit.is_some() {
                    rng.range(1, 2)
                } else {
                    rng.range(1, 6)
                };
                let returned = if qty >= 2 && rng.below(8) == 0 {
                    rng.range(1, qty - 1)
                } else {
                    0
                };
                lines.push(product_line(line_no, product, qty, returned));
            }
            let text = format!("{number}");
            insert_note(c, customer, &text, day, &lines)?;
            notes.push((text, day, lines));
            number += 1;
        }
    }
    Ok(notes)
}

/// The files of the demo: one per status and outcome, on older BLs.
/// A demo garage's customer and login account, which sends its requests.
#[derive(Clone, Copy)]
struct DemoSender<'a> {
    customer: i64,
    account: i64,
    email: &'a str,
}

fn seed_dossiers(
    c: &Conn<'_>,
    rng: &mut Rng,
    sender: &DemoSender<'_>,
    notes: &[(String, NaiveDate, Vec<NewLine>)],
    plan: &[(DossierStatus, Option<Outcome>, Option<&str>)],
    reasons: &ReasonTable,
) -> Result<usize, DbError> {
    let DemoSender {
        customer,
        account,
        email,
    } = *sender;
    let mut made = 0;
    for (i, (status, outcome, credit_note)) in plan.iter().enumerate() {
        // Older BLs for further statuses; the notes are oldest first.
        let index = (i * 7 + 3) % notes.len().max(1);
        let Some((number, day, lines)) = notes.get(index) else {
            continue;
        };
        let Some(line) = lines.iter().find(|l| l.qty > l.returned_qty) else {
            continue;
        };
        let reason = if line.deposit.is_some() {
            "deposit"
        } else {
            [
                "new_part",
                "order_error",
                "customer_cancellation",
                "defective",
            ][i % 4]
        };
        let prices = LinePrices {
            unit_price: line.unit_price,
            deposit: line.deposit,
        };
        let estimate = reasons.estimate(reason, &prices, 1).ok().flatten();
        let created = at_paris(
            day.checked_add_days(Days::new(1)).unwrap_or(*day),
            9 + (i as u16 % 8),
            15,
        );
        let request = RequestRef {
            id: uuid::Uuid::from_u64_pair(rng.next(), rng.next()).to_string(),
            number: c.next_request_number(created)?,
            preaccord_email: email.to_owned(),
        };
        let accepted = match outcome {
            Some(Outcome::Accepted) | Some(Outcome::Partial) => Some(1),
            Some(Outcome::Refused) => Some(0),
            None => None,
        };
        let credited = match outcome {
            Some(Outcome::Refused) => Money::ZERO,
            Some(Outcome::Partial) => estimate.map_or(Money::ZERO, |e| {
                Money::round(e.amount() / rust_decimal::Decimal::TWO)
            }),
            _ => estimate.unwrap_or(money("10.00")),
        };
        let steps = DossierStatus::ALL.iter().filter(|s| **s <= *status);
        let last_step = created + chrono::Duration::days(i64::from(status.step()) - 1);
        let dossier = StoredDossier {
            number: c.next_dossier_number()?,
            customer_id: customer,
            request: Some(request.clone()),
            delivery_note: number.clone(),
            sale_date: *day,
            created_at: created,
            status: *status,
            estimated_credit: estimate.unwrap_or(Money::ZERO),
            piece_count: 1,
            closure: outcome.map(|outcome| Closure {
                outcome,
                validated_on: retour_domain::hours::paris_today(last_step),
                credited_ht: credited,
                credit_note_number: credit_note.map(str::to_owned),
            }),
            lines: vec![StoredDossierLine {
                line_no: line.line_no,
                reference: line.reference.clone(),
                designation: line.designation.clone(),
                qty: 1,
                reason: reason.to_owned(),
                estimated_credit: estimate,
                unit_price: line.unit_price,
                deposit: line.deposit,
                accepted_qty: accepted,
                decision: None,
                photos: Vec::new(),
            }],
        };
        c.insert_return_request(
            &request,
            customer,
            account,
            created,
            dossier.estimated_credit,
        )?;
        c.insert_dossier(&dossier)?;
        for (step, s) in steps.enumerate() {
            c.insert_history(
                &dossier.number,
                *s,
                created + chrono::Duration::days(step as i64),
            )?;
        }
        if let Some(closure) = &dossier.closure {
            decide_demo_file(c, rng, &dossier, closure, last_step)?;
        }
        made += 1;
    }
    Ok(made)
}

/// The decision of a closed demo file, line by line, and its timeline event; a refused line is
/// refused for fitting marks, sent back to the garage, with a comment, and the garage asked why
/// and had an answer.
fn decide_demo_file(
    c: &Conn<'_>,
    rng: &mut Rng,
    dossier: &StoredDossier,
    closure: &Closure,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    let decisions: Vec<LineDecision> = dossier
        .lines
        .iter()
        .map(|l| {
            let accepted_qty = l.accepted_qty.unwrap_or(l.qty).min(l.qty);
            let refused = accepted_qty < l.qty;
            LineDecision {
                line_no: l.line_no,
                accepted_qty,
                refused_qty: l.qty - accepted_qty,
                credited_ht: closure.credited_ht,
                refusal_reason: refused.then_some(RefusalReason::Fitted),
                disposition: refused.then_some(Disposition::Returned),
                comment: refused.then(|| "Traces de serrage sur les fixations".to_owned()),
            }
        })
        .collect();
    c.record_decisions(&dossier.number, &decisions)?;
    let text = timeline::decision_text(closure.outcome, &decisions, closure.credited_ht);
    c.insert_event(
        &dossier.number,
        at,
        EventKind::Decision,
        Actor::Staff,
        &text,
        None,
    )?;
    if closure.outcome != Outcome::Refused {
        return Ok(());
    }
    let thread = [
        (
            Author::Customer,
            "Atelier Garage Démo",
            "Bonjour, la pièce n'a jamais été montée : pouvez-vous vérifier ?",
            2,
        ),
        (
            Author::Staff,
            "Service Retours",
            "Bonjour, le contrôle a relevé des traces de serrage sur les fixations. La pièce vous est renvoyée avec votre prochaine livraison.",
            5,
        ),
    ];
    for (author, name, text, hours) in thread {
        let id = uuid::Uuid::from_u64_pair(rng.next(), rng.next()).to_string();
        c.insert_message(
            &dossier.number,
            &NewMessage {
                message_id: &id,
                at: at + chrono::Duration::hours(hours),
                author,
                author_name: name,
                text,
                photos: &[],
            },
        )?;
    }
    Ok(())
}

/// Seeds the demo data for `today` (a Paris date), once: if the database already has accounts,
/// nothing is done. Hashing the three passwords takes a moment.
pub fn seed(db: &Db, today: NaiveDate) -> Result<Seeded, DbError> {
    if db.read(|c| c.has_accounts())? {
        return Ok(Seeded::default());
    }
    let customer_hash = hash_password(CUSTOMER_PASSWORD);
    let staff_hash = hash_password(STAFF_PASSWORD);
    let reasons = ReasonTable::default();
    db.write(|c| {
        if c.has_accounts()? {
            return Ok(Seeded::default());
        }
        let mut rng = Rng(0x5EED_2026);
        let a = c.insert_customer("C00042", "Garage Démo — Atelier Martin")?;
        let b = c.insert_customer("C00077", "Autre Garage SARL")?;
        let account_a = c.insert_account(
            CUSTOMER_A,
            "Atelier Garage Démo",
            Role::Customer,
            Some(a),
            &customer_hash,
        )?;
        let account_b = c.insert_account(
            CUSTOMER_B,
            "Contact Autre Garage",
            Role::Customer,
            Some(b),
            &customer_hash,
        )?;
        c.insert_account(STAFF, "Service Retours", Role::Staff, None, &staff_hash)?;
        let notes_a = seed_notes(c, &mut rng, a, 250_001_100, today)?;
        let notes_b = seed_notes(c, &mut rng, b, 251_002_200, today)?;
        use DossierStatus::*;
        let plan_a = [
            (Sent, None, None),
            (Received, None, None),
            (Inspecting, None, None),
            (Closed, Some(Outcome::Accepted), Some("AV2026-0142")),
            (Closed, Some(Outcome::Partial), None),
            (Closed, Some(Outcome::Refused), None),
            (Sent, None, None),
            (Received, None, None),
        ];
        let plan_b = [
            (Sent, None, None),
            (Inspecting, None, None),
            (Closed, Some(Outcome::Accepted), Some("AV2026-0187")),
        ];
        let sender_a = DemoSender {
            customer: a,
            account: account_a,
            email: CUSTOMER_A,
        };
        let sender_b = DemoSender {
            customer: b,
            account: account_b,
            email: CUSTOMER_B,
        };
        let dossiers = seed_dossiers(c, &mut rng, &sender_a, &notes_a, &plan_a, &reasons)?
            + seed_dossiers(c, &mut rng, &sender_b, &notes_b, &plan_b, &reasons)?;
        // Two BLs with nothing to return, each for its own reason: too old, all returned.
        let past = [
            product_line(1, &CATALOGUE[0], 2, 0),
            product_line(2, &CATALOGUE[1], 1, 0),
        ];
        insert_note(c, a, PAST_WINDOW_BL, today - Days::new(45), &past)?;
        let returned = [
            product_line(1, &CATALOGUE[2], 2, 2),
            product_line(2, &CATALOGUE[3], 1, 1),
        ];
        insert_note(c, a, RETURNED_BL, today - Days::new(12), &returned)?;
        Ok(Seeded {
            delivery_notes: notes_a.len() + notes_b.len() + 2,
            dossiers,
            created: true,
        })
    })
}

/// Adds volume for the benchmark to customer A: `notes` BLs of 8 lines (20 units each) over the
/// last 30 days and `dossiers` files spread over them. Run after [`seed`].
pub fn seed_bulk(
    db: &Db,
    today: NaiveDate,
    notes: usize,
    dossiers: usize,
) -> Result<Seeded, DbError> {
    let reasons = ReasonTable::default();
    db.write(|c| {
        let account = c
            .account_by_email(CUSTOMER_A)?
            .ok_or_else(|| DbError::Corrupt("seed the demo first".to_owned()))?;
        let customer = account
            .customer
            .map(|c| c.id)
            .ok_or_else(|| DbError::Corrupt("no customer".to_owned()))?;
        let mut rng = Rng(0xB07C_4000);
        let mut made = Vec::with_capacity(notes);
        for i in 0..notes {
            let day = today
                .checked_sub_days(Days::new((i % 30) as u64))
                .unwrap_or(today);
            let lines: Vec<NewLine> = (1..=8)
                .map(|line_no| {
                    let product =
                        &CATALOGUE[usize::try_from(rng.below(CATALOGUE.len() as u64)).unwrap_or(0)];
                    product_line(line_no, product, 20, 0)
                })
                .collect();
            let number = format!("{}", 300_000_000 + i);
            insert_note(c, customer, &number, day, &lines)?;
            made.push((number, day, lines));
        }
        let mut count = 0;
        for i in 0..dossiers {
            let Some((number, day, lines)) = made.get(i % made.len().max(1)) else {
                break;
            };
            let line = &lines[(i / made.len().max(1)) % lines.len()];
            let reason = if line.deposit.is_some() {
                "deposit"
            } else {
                "new_part"
            };
            let prices = LinePrices {
                unit_price: line.unit_price,
                deposit: line.deposit,
            };
            let estimate = reasons.estimate(reason, &prices, 1).ok().flatten();
            let created = at_paris(*day, 8, 0) + chrono::Duration::seconds(i as i64);
            let status = DossierStatus::ALL[i % 3];
            let dossier = StoredDossier {
                number: c.next_dossier_number()?,
                customer_id: customer,
                request: None,
                delivery_note: number.clone(),
                sale_date: *day,
                created_at: created,
                status,
                estimated_credit: estimate.unwrap_or(Money::ZERO),
                piece_count: 1,
                closure: None,
                lines: vec![StoredDossierLine {
                    line_no: line.line_no,
                    reference: line.reference.clone(),
                    designation: line.designation.clone(),
                    qty: 1,
                    reason: reason.to_owned(),
                    estimated_credit: estimate,
                    unit_price: line.unit_price,
                    deposit: line.deposit,
                    accepted_qty: None,
                    decision: None,
                    photos: Vec::new(),
                }],
            };
            c.insert_dossier(&dossier)?;
            c.insert_history(&dossier.number, DossierStatus::Sent, created)?;
            count += 1;
        }
        Ok(Seeded {
            delivery_notes: notes,
            dossiers: count,
            created: true,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_gtins_are_valid() {
        for product in CATALOGUE {
            if let Some(body) = product.gtin_body {
                assert_eq!(body.len(), 12, "{}", product.reference);
                let gtin = gtin13(body);
                assert!(Gtin::parse(&gtin).is_some(), "{gtin}");
            }
            assert!(Money::parse(product.price).is_ok());
        }
        assert_eq!(gtin13("404702455056"), "4047024550568");
    }
}
