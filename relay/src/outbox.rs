//! The durable outbox: SQLite in WAL mode with full sync, in the relay's data folder.
//!
//! A reading is committed to disk before the relay acknowledges it (HTTP 202, MQTT PUBACK).
//! `(device, seq)` is unique: a resend is answered as a duplicate and stored once.
//! A reading moves `pending` -> `submitted` (in a batch, with the extrinsic's hash) ->
//! `settled` (with its on-chain outcome).
//!
//! One writer thread owns the write connection and commits the requests that queued while
//! it wrote the last group in one transaction (group commit): one fsync for many requests.

use crate::{check::Checked, error::IngestError, metrics::Metrics};
use interfaces::{
    market::{difference, MeterState, ReadingOutcome, RejectReason},
    reading::SignedReading,
    AccountId, DeviceId,
};
use meter_feed::Ack;
use rusqlite::{params, Connection, OptionalExtension};
use scale::{Decode, Encode};
use smartcity_sdk::SentCall;
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{mpsc, Arc},
};

/// A reading's state in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending = 0,
    Submitted = 1,
    Settled = 2,
}

/// What finally happened to a reading.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum Settlement {
    /// The market took it as its device's first reading: the baseline later readings are
    /// measured from.
    Baseline,
    /// The market accepted it in one of this relay's batches.
    Accepted {
        beneficiary: AccountId,
        credits: u128,
        billable_wh: u64,
    },
    /// The chain already held it when its batch was (re)checked: a batch the relay sent
    /// before it was stopped, found on chain afterwards. Its credits were minted then.
    AlreadyOnChain,
    /// A later reading of its device reached the chain first (sent by another relay or
    /// anyone else): that reading's difference from the last one carries this one's
    /// energy, so nothing is lost.
    Superseded,
    /// The market refused it (the rules changed between ingest and submission: a device
    /// revoked, an owner suspended...).
    Rejected(RejectReason),
    /// The chain could not take it even alone (it traps or exceeds a block).
    Failed(String),
}

impl Settlement {
    /// What an outcome of the relay's own batch settles as, from its dry run or its block.
    pub fn from_outcome(outcome: &ReadingOutcome) -> Self {
        match *outcome {
            ReadingOutcome::Accepted {
                beneficiary,
                credits,
                billable_wh,
            } => Self::Accepted {
                beneficiary,
                credits,
                billable_wh,
            },
            ReadingOutcome::Baseline => Self::Baseline,
            // a later reading of the device (another relay's) landed first, or this very
            // one: either way its energy is on chain
            ReadingOutcome::Rejected(RejectReason::StaleSeq) => Self::Superseded,
            ReadingOutcome::Rejected(RejectReason::Replayed) => Self::AlreadyOnChain,
            ReadingOutcome::Rejected(reason) => Self::Rejected(reason),
        }
    }

    /// The metric label and the `outcome` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Accepted { .. } => "accepted",
            Self::AlreadyOnChain => "already_on_chain",
            Self::Superseded => "superseded",
            Self::Rejected(_) => "rejected",
            Self::Failed(_) => "failed",
        }
    }
}

/// A reading as the submitter sees it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub signed: SignedReading,
    pub received_ms: u64,
}

/// A batch sent to the chain whose outcome the relay never recorded.
#[derive(Debug, Clone)]
pub struct Unconfirmed {
    pub batch: i64,
    /// The extrinsic it went out as, when the chain noted one (a node does).
    pub sent: Option<SentCall>,
    /// Its readings, in the order they were sent.
    pub readings: Vec<Stored>,
}

/// What `GET /meters/<device>/<seq>` shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadingStatus {
    pub state: &'static str,
    pub batch: Option<i64>,
    pub tx_hash: Option<String>,
    pub outcome: Option<String>,
    pub credits: Option<String>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS readings (
    id INTEGER PRIMARY KEY,
    device BLOB NOT NULL,
    seq INTEGER NOT NULL,
    signed BLOB NOT NULL,
    state INTEGER NOT NULL DEFAULT 0,
    batch INTEGER,
    batch_pos INTEGER,
    outcome TEXT,
    settlement BLOB,
    received_ms INTEGER NOT NULL,
    settled_ms INTEGER,
    UNIQUE (device, seq)
);
CREATE INDEX IF NOT EXISTS readings_by_state ON readings (state, id);
CREATE INDEX IF NOT EXISTS readings_by_device ON readings (state, device, seq);
CREATE INDEX IF NOT EXISTS readings_by_batch ON readings (batch);
CREATE TABLE IF NOT EXISTS meters (
    device BLOB PRIMARY KEY,
    seq INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    import_wh_total INTEGER NOT NULL,
    export_wh_total INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS accruals (
    account BLOB PRIMARY KEY,
    since_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    tx_hash BLOB NOT NULL,
    sent_block INTEGER,
    readings INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    settled_ms INTEGER,
    ref_time INTEGER,
    proof_size INTEGER
);
";

/// Opens (creating if needed) the outbox database in `dir`.
pub fn open(dir: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(dir.join("outbox.sqlite"))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk (WAL fsynced) before the relay acknowledges
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(SCHEMA)?;
    // columns added since the first outbox: a reading's place in its batch, the block a
    // batch was signed at (where to look for its extrinsic after a restart)
    add_column(&conn, "readings", "batch_pos", "INTEGER")?;
    add_column(&conn, "batches", "sent_block", "INTEGER")?;
    Ok(conn)
}

fn add_column(conn: &Connection, table: &str, column: &str, kind: &str) -> rusqlite::Result<()> {
    let present: bool = conn.query_row(
        &format!("SELECT count(*) FROM pragma_table_info('{table}') WHERE name = ?1"),
        [column],
        |row| row.get::<_, i64>(0).map(|n| n > 0),
    )?;
    if !present {
        conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
    }
    Ok(())
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

struct Job {
    readings: Vec<Checked>,
    reply: tokio::sync::oneshot::Sender<Result<Ack, IngestError>>,
}

/// The handle ingest uses to store readings; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on the outbox in `dir`.
    pub fn start(
        dir: &Path,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<(Self, std::thread::JoinHandle<()>)> {
        let conn = open(dir)?;
        let mut last = HashMap::new();
        {
            let mut stmt = conn.prepare(
                "SELECT device, seq, at_ms, import_wh_total, export_wh_total FROM meters",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, meter_row(row, 1)?))
            })?;
            for row in rows {
                let (device, state) = row?;
                if let Ok(device) = DeviceId::try_from(device.as_slice()) {
                    last.insert(device, state);
                }
            }
        }
        let (jobs, queue) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("outbox-writer".into())
            .spawn(move || {
                WriterLoop {
                    conn,
                    last,
                    metrics,
                }
                .run(queue)
            })?;
        Ok((Self { jobs }, thread))
    }

    /// Stores checked readings: all or none. Answers once they are on disk.
    pub async fn store(&self, readings: Vec<Checked>) -> Result<Ack, IngestError> {
        Self::outcome(self.enqueue(readings)?).await
    }

    /// Queues readings for the next commit and returns at once: requests are stored in
    /// the order they were queued (MQTT keeps a device's readings in order this way while
    /// the next message is being checked).
    pub fn enqueue(&self, readings: Vec<Checked>) -> Result<Queued, IngestError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job { readings, reply })
            .map_err(|_| IngestError::Unavailable("the outbox writer stopped".into()))?;
        Ok(answer)
    }

    /// What became of queued readings, once committed.
    pub async fn outcome(answer: Queued) -> Result<Ack, IngestError> {
        answer
            .await
            .map_err(|_| IngestError::Unavailable("the outbox writer stopped".into()))?
    }
}

/// The answer to queued readings (see [`Writer::enqueue`]).
pub type Queued = tokio::sync::oneshot::Receiver<Result<Ack, IngestError>>;

/// Most readings one transaction takes before it commits.
const GROUP_READINGS: usize = 50_000;

/// A device's last stored reading as the register rules see it (the relay does not track
/// owners: `owner` is left zero, and the rules do not read it).
fn stored_state(seq: u64, at_ms: u64, import_wh_total: u64, export_wh_total: u64) -> MeterState {
    MeterState {
        owner: AccountId::from([0; 32]),
        seq,
        at_ms,
        import_wh_total,
        export_wh_total,
    }
}

/// The four columns `seq, at_ms, import_wh_total, export_wh_total` from `first` on.
fn meter_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<MeterState> {
    let column = |i: usize| row.get::<_, i64>(first + i).map(|v| v as u64);
    Ok(stored_state(column(0)?, column(1)?, column(2)?, column(3)?))
}

struct WriterLoop {
    conn: Connection,
    /// The last reading stored per device.
    last: HashMap<DeviceId, MeterState>,
    metrics: Arc<Metrics>,
}

impl WriterLoop {
    fn run(mut self, queue: mpsc::Receiver<Job>) {
        while let Ok(first) = queue.recv() {
            let mut group = vec![first];
            let mut size = group[0].readings.len();
            while size < GROUP_READINGS {
                match queue.try_recv() {
                    Ok(job) => {
                        size += job.readings.len();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
            self.commit_group(group);
        }
    }

    fn commit_group(&mut self, group: Vec<Job>) {
        let received_ms = now_ms() as i64;
        let mut answers: Vec<Result<Ack, IngestError>> = Vec::with_capacity(group.len());
        let mut changed: HashMap<DeviceId, MeterState> = HashMap::new();
        let result = (|| -> rusqlite::Result<()> {
            let tx = self.conn.transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO readings (device, seq, signed, received_ms) VALUES (?1, ?2, ?3, ?4)",
                )?;
                let mut find = tx
                    .prepare_cached("SELECT signed FROM readings WHERE device = ?1 AND seq = ?2")?;
                let mut device_row = tx.prepare_cached(
                    "INSERT INTO meters (device, seq, at_ms, import_wh_total, export_wh_total)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (device) DO UPDATE SET seq = excluded.seq, at_ms = excluded.at_ms,
                     import_wh_total = excluded.import_wh_total, export_wh_total = excluded.export_wh_total",
                )?;
                for job in &group {
                    let answer = Self::plan(&self.last, &changed, &job.readings, &mut find)?;
                    match answer {
                        Ok((fresh, duplicates)) => {
                            for index in &fresh {
                                let signed = &job.readings[*index].signed;
                                insert.execute(params![
                                    &signed.reading.device[..],
                                    signed.reading.seq as i64,
                                    signed.encode(),
                                    received_ms
                                ])?;
                                let r = &signed.reading;
                                let state = stored_state(
                                    r.seq,
                                    r.at_ms,
                                    r.import_wh_total,
                                    r.export_wh_total,
                                );
                                changed.insert(r.device, state);
                            }
                            answers.push(Ok(Ack {
                                stored: fresh.len() as u32,
                                duplicates,
                            }));
                        }
                        Err(error) => answers.push(Err(error)),
                    }
                }
                // each device's last reading once per commit, not once per request: a
                // flood of one-reading MQTT messages would otherwise write every reading
                // twice
                for (device, state) in &changed {
                    device_row.execute(params![
                        &device[..],
                        state.seq as i64,
                        state.at_ms as i64,
                        state.import_wh_total as i64,
                        state.export_wh_total as i64
                    ])?;
                }
            }
            tx.commit()
        })();
        match result {
            Ok(()) => {
                self.last.extend(changed);
                let stored: u32 = answers.iter().flatten().map(|a| a.stored).sum();
                let duplicates: u32 = answers.iter().flatten().map(|a| a.duplicates).sum();
                self.metrics.stored.inc_by(stored.into());
                self.metrics.duplicates.inc_by(duplicates.into());
                self.metrics.queue_depth.inc_by(stored.into());
                for (job, answer) in group.into_iter().zip(answers) {
                    let _ = job.reply.send(answer);
                }
            }
            Err(error) => {
                tracing::error!(%error, "outbox commit failed; the readings were not acknowledged");
                for job in group {
                    let _ = job
                        .reply
                        .send(Err(IngestError::Unavailable(format!("outbox: {error}"))));
                }
            }
        }
    }

    /// Which of a request's readings are new (indexes) and how many are resends, or why
    /// the request is refused. Sequences must rise per device (gaps allowed), and a new
    /// reading must pass the market's register rules against the device's last reading,
    /// stored here or accepted on chain, whichever is later (`RegisterDecreased`,
    /// `NotAfterLast`, `Implausible`); a sequence at or below the last one is a duplicate
    /// only if that very reading is stored.
    fn plan(
        last: &HashMap<DeviceId, MeterState>,
        changed: &HashMap<DeviceId, MeterState>,
        readings: &[Checked],
        find: &mut rusqlite::CachedStatement<'_>,
    ) -> rusqlite::Result<Result<(Vec<usize>, u32), IngestError>> {
        let mut fresh = Vec::new();
        let mut duplicates = 0u32;
        let mut mine: HashMap<DeviceId, MeterState> = HashMap::new();
        for (index, checked) in readings.iter().enumerate() {
            let reading = &checked.signed.reading;
            let too_big = [
                reading.seq,
                reading.at_ms,
                reading.import_wh_total,
                reading.export_wh_total,
            ]
            .into_iter()
            .any(|n| n > i64::MAX as u64);
            if too_big {
                return Ok(Err(IngestError::BadField {
                    index,
                    message: "a sequence, time or register is above 2^63 - 1".into(),
                }));
            }
            let device = reading.device;
            let stored_last = mine
                .get(&device)
                .or_else(|| changed.get(&device))
                .or_else(|| last.get(&device))
                .copied();
            let latest = crate::check::latest(stored_last, checked.chain_last);
            let floor = latest.map_or(0, |state| state.seq);
            if reading.seq > floor {
                if let Some(latest) = &latest {
                    if let Err(reason) = difference(latest, reading, checked.rated_w) {
                        return Ok(Err(IngestError::Refused { index, reason }));
                    }
                }
                fresh.push(index);
                let state = stored_state(
                    reading.seq,
                    reading.at_ms,
                    reading.import_wh_total,
                    reading.export_wh_total,
                );
                mine.insert(device, state);
                continue;
            }
            // at or below the last: the same reading again (stored before, or earlier in
            // this request) is a duplicate; anything else reuses or goes back in sequence
            let earlier_here = fresh.iter().any(|i| readings[*i].signed == checked.signed);
            let stored: Option<Vec<u8>> = find
                .query_row(params![&device[..], reading.seq as i64], |row| row.get(0))
                .optional()?;
            if earlier_here || stored.as_deref() == Some(&checked.signed.encode()[..]) {
                duplicates += 1;
                continue;
            }
            let taken_here = fresh.iter().any(|i| {
                readings[*i].signed.reading.device == device
                    && readings[*i].signed.reading.seq == reading.seq
            });
            return Ok(Err(
                if reading.seq == floor || stored.is_some() || taken_here {
                    IngestError::ReplayedSequence {
                        index,
                        seq: reading.seq,
                        last: floor,
                    }
                } else {
                    IngestError::StaleSequence {
                        index,
                        seq: reading.seq,
                        last: floor,
                    }
                },
            ));
        }
        Ok(Ok((fresh, duplicates)))
    }
}

/// The submitter's and the status endpoints' view of the outbox (its own connection).
pub struct Store {
    conn: Connection,
    pub path: PathBuf,
}

impl Store {
    pub fn open(dir: &Path) -> rusqlite::Result<Self> {
        Ok(Self {
            conn: open(dir)?,
            path: dir.to_path_buf(),
        })
    }

    fn rows(&self, sql: &str, param: i64) -> rusqlite::Result<Vec<Stored>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map([param], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Vec<u8>>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, bytes, received_ms) = row?;
            let signed = SignedReading::decode(&mut &bytes[..]).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Blob,
                    Box::new(e),
                )
            })?;
            out.push(Stored {
                id,
                signed,
                received_ms: received_ms as u64,
            });
        }
        Ok(out)
    }

    /// Pending readings, at most `limit`: each meter's in sequence, the meters in the order
    /// of their oldest pending reading.
    pub fn pending(&self, limit: usize) -> rusqlite::Result<Vec<Stored>> {
        // grouped by device, devices in the order of their oldest pending reading: a
        // backlog (after an outage) goes out as batches of a few meters' readings, which
        // the market takes far more of per block than one reading of many households each
        self.rows(
            "SELECT r.id, r.signed, r.received_ms FROM readings r
             JOIN (SELECT device, MIN(id) AS first FROM readings WHERE state = 0 GROUP BY device) f
               ON f.device = r.device
             WHERE r.state = 0 ORDER BY f.first, r.seq LIMIT ?1",
            limit as i64,
        )
    }

    /// Readings not yet settled (pending or submitted).
    pub fn unsettled_count(&self) -> rusqlite::Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM readings WHERE state < 2", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
    }

    /// Batches sent to the chain whose outcome the relay never recorded (it stopped
    /// between the call and the settlement), oldest first, with their readings in the
    /// order they were sent and where to find the extrinsic (when the chain noted one).
    pub fn unconfirmed(&self) -> rusqlite::Result<Vec<Unconfirmed>> {
        let batches: Vec<(i64, Vec<u8>, Option<i64>)> = {
            let mut stmt = self.conn.prepare(
                "SELECT id, tx_hash, sent_block FROM batches
                 WHERE id IN (SELECT DISTINCT batch FROM readings WHERE state = 1) ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        batches
            .into_iter()
            .map(|(batch, tx_hash, sent_block)| {
                let readings = self.rows(
                    "SELECT id, signed, received_ms FROM readings WHERE batch = ?1 AND state = 1
                     ORDER BY batch_pos, id",
                    batch,
                )?;
                let sent = match (<[u8; 32]>::try_from(tx_hash), sent_block) {
                    (Ok(extrinsic), Some(block)) => Some(SentCall {
                        extrinsic,
                        from_block: block as u64,
                    }),
                    _ => None,
                };
                Ok(Unconfirmed {
                    batch,
                    sent,
                    readings,
                })
            })
            .collect()
    }

    /// Records the extrinsic a batch is about to go out as (its hash, the block it was
    /// signed at), before it is sent.
    pub fn note_sent(&mut self, batch: i64, sent: SentCall) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE batches SET tx_hash = ?2, sent_block = ?3 WHERE id = ?1",
            params![
                batch,
                &sent.extrinsic[..],
                sent.from_block.min(i64::MAX as u64) as i64
            ],
        )?;
        Ok(())
    }

    /// Records a batch about to be sent: its readings become `submitted` under the
    /// extrinsic's hash, and readings already known to need no call are settled, in one
    /// transaction. `batch` reuses an unconfirmed batch's id.
    pub fn begin_batch(
        &mut self,
        batch: Option<i64>,
        submit: &[i64],
        tx_hash: &[u8; 32],
        settle_now: &[(i64, Settlement)],
    ) -> rusqlite::Result<i64> {
        let now = now_ms() as i64;
        let tx = self.conn.transaction()?;
        let id = match batch {
            Some(id) => {
                tx.execute(
                    "UPDATE batches SET tx_hash = ?2, sent_block = NULL, readings = ?3 WHERE id = ?1",
                    params![id, &tx_hash[..], submit.len() as i64],
                )?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO batches (tx_hash, readings, created_ms) VALUES (?1, ?2, ?3)",
                    params![&tx_hash[..], submit.len() as i64, now],
                )?;
                tx.last_insert_rowid()
            }
        };
        {
            let mut mark = tx.prepare_cached(
                "UPDATE readings SET state = 1, batch = ?2, batch_pos = ?3 WHERE id = ?1",
            )?;
            for (pos, reading) in submit.iter().enumerate() {
                mark.execute(params![reading, id, pos as i64])?;
            }
        }
        Self::settle_in(&tx, settle_now, now)?;
        tx.commit()?;
        Ok(id)
    }

    fn settle_in(
        tx: &rusqlite::Transaction<'_>,
        settled: &[(i64, Settlement)],
        now: i64,
    ) -> rusqlite::Result<()> {
        let mut settle = tx.prepare_cached(
            "UPDATE readings SET state = 2, outcome = ?2, settlement = ?3, settled_ms = ?4 WHERE id = ?1",
        )?;
        for (id, settlement) in settled {
            settle.execute(params![id, settlement.kind(), settlement.encode(), now])?;
        }
        Ok(())
    }

    /// Records the batch's outcome: every reading settled, the batch's weight, and the
    /// accounts it credited or billed (to settle later; an account already waiting keeps
    /// its time).
    pub fn settle_batch(
        &mut self,
        batch: i64,
        settled: &[(i64, Settlement)],
        accrued: &[AccountId],
        weight: smartcity_sdk::Weight,
    ) -> rusqlite::Result<()> {
        let now = now_ms() as i64;
        let tx = self.conn.transaction()?;
        Self::settle_in(&tx, settled, now)?;
        {
            let mut note = tx.prepare_cached(
                "INSERT OR IGNORE INTO accruals (account, since_ms) VALUES (?1, ?2)",
            )?;
            for account in accrued {
                note.execute(params![AsRef::<[u8]>::as_ref(account), now])?;
            }
        }
        tx.execute(
            "UPDATE batches SET settled_ms = ?2, ref_time = ?3, proof_size = ?4 WHERE id = ?1",
            params![batch, now, weight.ref_time as i64, weight.proof_size as i64],
        )?;
        tx.commit()
    }

    /// Accounts credited or billed before `before_ms` and not settled since, oldest
    /// first, at most `limit`.
    pub fn accruals_due(&self, before_ms: u64, limit: usize) -> rusqlite::Result<Vec<AccountId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT account FROM accruals WHERE since_ms < ?1 ORDER BY since_ms LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![before_ms.min(i64::MAX as u64) as i64, limit as i64],
            |row| row.get::<_, Vec<u8>>(0),
        )?;
        let mut accounts = Vec::new();
        for row in rows {
            let bytes: [u8; 32] = row?.try_into().map_err(|_| {
                rusqlite::Error::InvalidColumnType(0, "account".into(), rusqlite::types::Type::Blob)
            })?;
            accounts.push(AccountId::from(bytes));
        }
        Ok(accounts)
    }

    /// Forgets accounts the chain has settled.
    pub fn accounts_settled(&mut self, accounts: &[AccountId]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut forget = tx.prepare_cached("DELETE FROM accruals WHERE account = ?1")?;
            for account in accounts {
                forget.execute([AsRef::<[u8]>::as_ref(account)])?;
            }
        }
        tx.commit()
    }

    /// Settles readings outside any batch (the chain refused them on a dry run).
    pub fn settle(&mut self, settled: &[(i64, Settlement)]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        Self::settle_in(&tx, settled, now_ms() as i64)?;
        tx.commit()
    }

    /// Puts a batch's readings back to pending (the call failed for sure).
    pub fn release(&mut self, batch: i64) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE readings SET state = 0, batch = NULL WHERE batch = ?1 AND state = 1",
            [batch],
        )?;
        Ok(())
    }

    /// Deletes settled readings older than `before_ms`, at most `limit` (a device's last
    /// sequence stays in `meters`, so replays are still refused).
    pub fn prune(&mut self, before_ms: u64, limit: usize) -> rusqlite::Result<usize> {
        self.conn.execute(
            "DELETE FROM readings WHERE id IN
               (SELECT id FROM readings WHERE state = 2 AND settled_ms < ?1 LIMIT ?2)",
            params![before_ms.min(i64::MAX as u64) as i64, limit as i64],
        )
    }

    /// One reading's state.
    pub fn status(&self, device: &DeviceId, seq: u64) -> rusqlite::Result<Option<ReadingStatus>> {
        self.conn
            .query_row(
                "SELECT r.state, r.batch, b.tx_hash, r.outcome, r.settlement
                 FROM readings r LEFT JOIN batches b ON b.id = r.batch
                 WHERE r.device = ?1 AND r.seq = ?2",
                params![&device[..], seq as i64],
                |row| {
                    let state: i64 = row.get(0)?;
                    let settlement: Option<Vec<u8>> = row.get(4)?;
                    let settlement = settlement.and_then(|b| Settlement::decode(&mut &b[..]).ok());
                    Ok(ReadingStatus {
                        state: match state {
                            0 => "pending",
                            1 => "submitted",
                            _ => "settled",
                        },
                        batch: row.get(1)?,
                        tx_hash: row
                            .get::<_, Option<Vec<u8>>>(2)?
                            .map(|h| format!("0x{}", hex::encode(h))),
                        outcome: match &settlement {
                            Some(Settlement::Rejected(reason)) => {
                                Some(format!("rejected:{}", crate::error::reject_code(*reason)))
                            }
                            Some(Settlement::Failed(why)) => Some(format!("failed:{why}")),
                            _ => row.get(3)?,
                        },
                        credits: match settlement {
                            Some(Settlement::Accepted { credits, .. }) => Some(credits.to_string()),
                            _ => None,
                        },
                    })
                },
            )
            .optional()
    }

    /// The last sequence stored for `device` (0 if none).
    pub fn last_seq(&self, device: &DeviceId) -> rusqlite::Result<u64> {
        Ok(self.last_reading(device)?.map_or(0, |state| state.seq))
    }

    /// The last reading stored for `device` (its sequence, time and registers).
    pub fn last_reading(&self, device: &DeviceId) -> rusqlite::Result<Option<MeterState>> {
        self.conn
            .query_row(
                "SELECT seq, at_ms, import_wh_total, export_wh_total FROM meters WHERE device = ?1",
                [&device[..]],
                |row| meter_row(row, 0),
            )
            .optional()
    }

    /// Counts of readings by outcome column (`pending`/`submitted` for unsettled ones).
    pub fn counts(&self) -> rusqlite::Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT CASE state WHEN 0 THEN 'pending' WHEN 1 THEN 'submitted' ELSE outcome END, count(*)
             FROM readings GROUP BY 1 ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        rows.collect()
    }

    /// Every settlement of `device`, by sequence (tests and audits).
    pub fn settlements(&self, device: &DeviceId) -> rusqlite::Result<Vec<(u64, Settlement)>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, settlement FROM readings WHERE device = ?1 AND state = 2 ORDER BY seq",
        )?;
        let rows = stmt.query_map([&device[..]], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, bytes) = row?;
            let settlement = Settlement::decode(&mut &bytes[..]).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Blob,
                    Box::new(e),
                )
            })?;
            out.push((seq as u64, settlement));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::EnergySource;
    use smartcity_sdk::{keys::DeviceSigner, meter::MeterSimulator};

    fn meter(n: u8) -> MeterSimulator {
        MeterSimulator::new(
            [n; 32],
            DeviceSigner::from_seed(&format!("m{n}")),
            interfaces::Deployment {
                contract: [5; 32].into(),
                chain: [9; 32],
            },
            EnergySource::Solar,
        )
    }

    /// `signed` checked, the chain's last reading of its device at sequence `chain_seq`
    /// (none for 0, else registers at zero at time 0), of a device rated high enough for
    /// readings milliseconds apart.
    fn checked(signed: &SignedReading, chain_seq: u64) -> Checked {
        rated(signed, chain_seq, u32::MAX)
    }

    fn rated(signed: &SignedReading, chain_seq: u64, rated_w: u32) -> Checked {
        Checked {
            signed: signed.clone(),
            chain_last: (chain_seq > 0).then(|| stored_state(chain_seq, 0, 0, 0)),
            rated_w,
        }
    }

    fn start(dir: &Path) -> (Writer, Arc<Metrics>) {
        let metrics = Arc::new(Metrics::new());
        let (writer, _thread) = Writer::start(dir, metrics.clone()).unwrap();
        (writer, metrics)
    }

    #[tokio::test]
    async fn resends_are_duplicates_and_reused_or_old_sequences_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, metrics) = start(dir.path());
        let mut m = meter(1);
        let r1 = m.read(10, 0, 100);
        let r2 = m.read(20, 0, 100);
        let ack = writer
            .store(vec![checked(&r1, 0), checked(&r2, 0)])
            .await
            .unwrap();
        assert_eq!((ack.stored, ack.duplicates), (2, 0));
        // the same readings again: taken, stored once
        let ack = writer
            .store(vec![checked(&r2, 0), checked(&r1, 0)])
            .await
            .unwrap();
        assert_eq!((ack.stored, ack.duplicates), (0, 2));
        // sequence 2 again with other content: a replay
        let mut other = m.clone();
        other.seq = 1;
        let forged_2 = other.read(20, 0, 999);
        assert!(matches!(
            writer.store(vec![checked(&forged_2, 0)]).await,
            Err(IngestError::ReplayedSequence {
                index: 0,
                seq: 2,
                last: 2
            })
        ));
        // a gap is fine, going back below the last is not
        m.seq = 9;
        let r10 = m.read(30, 0, 0);
        writer.store(vec![checked(&r10, 0)]).await.unwrap();
        other.seq = 4;
        let r5 = other.read(40, 0, 1);
        assert!(matches!(
            writer.store(vec![checked(&r5, 0)]).await,
            Err(IngestError::StaleSequence {
                seq: 5,
                last: 10,
                ..
            })
        ));
        // one bad reading refuses the request: the good one before it is not stored
        let r11 = m.read(50, 0, 1);
        assert!(writer
            .store(vec![checked(&r11, 0), checked(&r5, 0)])
            .await
            .is_err());
        assert_eq!(
            Store::open(dir.path()).unwrap().last_seq(&[1; 32]).unwrap(),
            10
        );
        // the chain's last sequence is a floor too
        let mut fresh = meter(2);
        let f1 = fresh.read(1, 0, 0);
        assert!(matches!(
            writer.store(vec![checked(&f1, 3)]).await,
            Err(IngestError::StaleSequence {
                seq: 1,
                last: 3,
                ..
            })
        ));
        assert_eq!(metrics.stored.get(), 3);
        assert_eq!(metrics.duplicates.get(), 2);
        assert_eq!(metrics.queue_depth.get(), 3);
    }

    // review H-2 at the relay: the market's register rules refuse a reading before it is
    // stored, against the last reading stored or on chain
    #[tokio::test]
    async fn registers_must_not_go_down_nor_exceed_the_rating() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, _) = start(dir.path());
        let mut m = meter(1);
        let base = m.read(3_600_000, 1_000, 1_000);
        writer.store(vec![rated(&base, 0, 100_000)]).await.unwrap();
        let refused = |result: Result<Ack, IngestError>| match result {
            Err(IngestError::Refused { reason, .. }) => reason,
            other => panic!("not refused: {other:?}"),
        };
        let mut lower = m.clone();
        lower.import_wh_total = 999;
        let decreased = lower.read(7_200_000, 0, 0);
        assert_eq!(
            refused(writer.store(vec![rated(&decreased, 0, 100_000)]).await),
            RejectReason::RegisterDecreased
        );
        // 100 kW for an hour is 100 kWh at most
        let too_much = m.clone().read(7_200_000, 0, 100_001);
        assert_eq!(
            refused(writer.store(vec![rated(&too_much, 0, 100_000)]).await),
            RejectReason::Implausible
        );
        let same_time = m.clone().read(3_600_000, 0, 1);
        assert_eq!(
            refused(writer.store(vec![rated(&same_time, 0, 100_000)]).await),
            RejectReason::NotAfterLast
        );
        let next = m.read(7_200_000, 0, 100_000);
        writer.store(vec![rated(&next, 0, 100_000)]).await.unwrap();
        let stored = Store::open(dir.path())
            .unwrap()
            .last_reading(&[1; 32])
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.seq, stored.import_wh_total, stored.export_wh_total),
            (2, 1_000, 101_000)
        );
    }

    #[tokio::test]
    async fn pending_readings_go_out_grouped_by_meter_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, _) = start(dir.path());
        let (mut one, mut two) = (meter(1), meter(2));
        // interleaved as they arrived: 1, 2, 1, 2, 1, 2
        for i in 0..3u64 {
            let a = one.read(10 + i * 10, 0, 1);
            let b = two.read(10 + i * 10, 0, 1);
            writer.store(vec![checked(&a, 0)]).await.unwrap();
            writer.store(vec![checked(&b, 0)]).await.unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let order: Vec<(u8, u64)> = store
            .pending(10)
            .unwrap()
            .iter()
            .map(|p| (p.signed.reading.device[0], p.signed.reading.seq))
            .collect();
        assert_eq!(order, [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]);
        assert_eq!(store.pending(4).unwrap().len(), 4);
    }

    #[test]
    fn a_reading_another_sender_overtook_settles_as_superseded() {
        let outcome = ReadingOutcome::Rejected;
        assert_eq!(
            Settlement::from_outcome(&outcome(RejectReason::StaleSeq)),
            Settlement::Superseded
        );
        assert_eq!(
            Settlement::from_outcome(&outcome(RejectReason::Replayed)),
            Settlement::AlreadyOnChain
        );
        assert_eq!(
            Settlement::from_outcome(&outcome(RejectReason::Implausible)),
            Settlement::Rejected(RejectReason::Implausible)
        );
        assert_eq!(
            Settlement::from_outcome(&ReadingOutcome::Baseline),
            Settlement::Baseline
        );
    }

    #[tokio::test]
    async fn what_was_acknowledged_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = meter(1);
        let r1 = m.read(10, 0, 100);
        {
            let (writer, _) = start(dir.path());
            writer.store(vec![checked(&r1, 0)]).await.unwrap();
        }
        let (writer, _) = start(dir.path());
        let ack = writer.store(vec![checked(&r1, 0)]).await.unwrap();
        assert_eq!((ack.stored, ack.duplicates), (0, 1));
        let mut replay = meter(1);
        let forged = replay.read(10, 0, 5);
        assert!(matches!(
            writer.store(vec![checked(&forged, 0)]).await,
            Err(IngestError::ReplayedSequence { .. })
        ));
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.pending(10).unwrap().len(), 1);
    }

    #[tokio::test]
    async fn readings_move_pending_submitted_settled_and_unconfirmed_batches_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, _) = start(dir.path());
        let mut m = meter(1);
        let readings: Vec<_> = (0..4).map(|i| m.read(i * 10 + 10, 0, 100)).collect();
        writer
            .store(readings.iter().map(|r| checked(r, 0)).collect())
            .await
            .unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let pending = store.pending(3).unwrap();
        assert_eq!(
            pending
                .iter()
                .map(|p| p.signed.reading.seq)
                .collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let ids: Vec<i64> = pending.iter().map(|p| p.id).collect();
        let refused = vec![(ids[2], Settlement::Rejected(RejectReason::InFuture))];
        // sent in another order than they arrived
        let batch = store
            .begin_batch(None, &[ids[1], ids[0]], &[7; 32], &refused)
            .unwrap();
        assert_eq!(
            store.status(&[1; 32], 1).unwrap().unwrap().state,
            "submitted"
        );
        assert_eq!(
            store
                .status(&[1; 32], 3)
                .unwrap()
                .unwrap()
                .outcome
                .as_deref(),
            Some("rejected:in_future")
        );
        // the relay stopped here: the batch is found again, with its readings in the order
        // sent; where to find its extrinsic once the chain noted one
        let unconfirmed = store.unconfirmed().unwrap();
        assert_eq!(unconfirmed.len(), 1);
        assert_eq!(unconfirmed[0].batch, batch);
        assert_eq!(unconfirmed[0].sent, None);
        let order: Vec<i64> = unconfirmed[0].readings.iter().map(|r| r.id).collect();
        assert_eq!(order, [ids[1], ids[0]]);
        let sent = SentCall {
            extrinsic: [8; 32],
            from_block: 41,
        };
        store.note_sent(batch, sent).unwrap();
        assert_eq!(store.unconfirmed().unwrap()[0].sent, Some(sent));
        let accepted = Settlement::Accepted {
            beneficiary: [9; 32].into(),
            credits: 42,
            billable_wh: 0,
        };
        let settled = vec![
            (ids[0], accepted.clone()),
            (ids[1], Settlement::AlreadyOnChain),
        ];
        store
            .settle_batch(batch, &settled, &[], Default::default())
            .unwrap();
        assert!(store.unconfirmed().unwrap().is_empty());
        let status = store.status(&[1; 32], 1).unwrap().unwrap();
        assert_eq!(
            (status.state, status.credits.as_deref()),
            ("settled", Some("42"))
        );
        // the extrinsic noted before sending, not the hash the batch began with
        assert_eq!(status.tx_hash, Some(format!("0x{}", hex::encode([8; 32]))));
        assert_eq!(store.unsettled_count().unwrap(), 1);
        assert_eq!(
            store.settlements(&[1; 32]).unwrap(),
            vec![
                (1, accepted),
                (2, Settlement::AlreadyOnChain),
                (3, Settlement::Rejected(RejectReason::InFuture))
            ]
        );
        // a failed call puts its readings back
        let last = store.pending(10).unwrap();
        let batch = store
            .begin_batch(None, &[last[0].id], &[8; 32], &[])
            .unwrap();
        store.release(batch).unwrap();
        assert_eq!(store.pending(10).unwrap().len(), 1);
        // pruning keeps the device's last sequence
        assert_eq!(store.prune(u64::MAX, 100).unwrap(), 3);
        assert_eq!(store.last_seq(&[1; 32]).unwrap(), 4);
    }
}
