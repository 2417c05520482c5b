//! HTTP: routes, the token guard, security headers, and the shared state (the run shown, the codes store,
//! the training round). Handlers are thin: they parse the request, call the modules that do the work and
//! render a page.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::agreement::{coder_vs_coder, coder_vs_model, Task};
use crate::codes::{Change, Code, CodeStore};
use crate::filter::Filter;
use crate::jobs::{self, Job, Relabel, Status};
use crate::pages::code::CodeQuery;
use crate::pages::explore::{snippet, Tables};
use crate::pages::{self, Ctx};
use crate::queue::{self, Order};
use crate::run_data::{Key, RunData};
use crate::{auth, sheet, ServeError};

/// How to serve.
pub struct ServeOptions {
    /// The run folder (its codes database is `workbench/codes.sqlite` inside it).
    pub run_dir: PathBuf,
    /// A codebook instead of the one the manifest names.
    pub codebook: Option<PathBuf>,
    /// Address to listen on (127.0.0.1 unless asked otherwise).
    pub host: IpAddr,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// How to train and relabel; `None` leaves the training page read-only.
    pub relabel: Option<Arc<dyn Relabel>>,
}

struct App {
    token: String,
    /// The run folder served at start: the codes database and the training rounds live in it.
    home: PathBuf,
    run_name: String,
    codebook: Option<PathBuf>,
    run: RwLock<Arc<RunData>>,
    /// The run before the last relabelling, for agreement before and after.
    before: RwLock<Option<Arc<RunData>>>,
    tables: RwLock<Arc<Tables>>,
    store: Mutex<CodeStore>,
    job: Arc<Mutex<Job>>,
    relabel: Option<Arc<dyn Relabel>>,
}

type Shared = Arc<App>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl App {
    fn run(&self) -> Arc<RunData> {
        Arc::clone(&self.run.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx { token: &self.token, run_name: &self.run_name }
    }
}

/// An error page with a status.
struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

impl From<ServeError> for Failure {
    fn from(e: ServeError) -> Self {
        Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

fn bad(message: impl Into<String>) -> Failure {
    Failure(StatusCode::BAD_REQUEST, message.into())
}

/// Loads the run, opens its codes database, binds the address, calls `ready` with the URL to open (holding
/// the session token) and serves until the process ends.
pub fn serve(opts: ServeOptions, ready: impl FnOnce(&str)) -> Result<(), ServeError> {
    let run = RunData::load(&opts.run_dir, opts.codebook.as_deref())?;
    let store = CodeStore::open(&CodeStore::path_in(&opts.run_dir))?;
    let tables = Tables::read(&run);
    let run_name = opts
        .run_dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| opts.run_dir.display().to_string());
    let app = Arc::new(App {
        token: auth::new_token(),
        home: opts.run_dir.clone(),
        run_name,
        codebook: opts.codebook.clone(),
        run: RwLock::new(Arc::new(run)),
        before: RwLock::new(None),
        tables: RwLock::new(Arc::new(tables)),
        store: Mutex::new(store),
        job: Arc::new(Mutex::new(Job::default())),
        relabel: opts.relabel,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_io().enable_time().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(opts.host, opts.port)).await?;
        let addr = listener.local_addr()?;
        ready(&format!("http://{addr}/?token={}", app.token));
        axum::serve(listener, router(app)).await?;
        Ok(())
    })
}

fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/paragraphs", get(paragraphs))
        .route("/p/{row}", get(paragraph))
        .route("/code", get(code_page).post(code_post))
        .route("/agreement", get(agreement_page))
        .route("/export.csv", get(export))
        .route("/import", post(import))
        .route("/train", get(train_page).post(train_post))
        .route("/train/status", get(train_status))
        .route("/report", get(report))
        .route(
            "/static/app.js",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("../assets/app.js"))
            }),
        )
        .route(
            "/static/style.css",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../assets/style.css"))
            }),
        )
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&app), guard))
        .with_state(app)
}

/// Pages may load only the binary's own script and style; the report (framelens' own self-contained file)
/// may run its inline script. Neither may reach anything else.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const CSP_REPORT: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'";

/// What a request carries that the guard checks: whether it reads, its query, token header and cookie.
/// (Owned, so no borrow of the request lives across the handler's await.)
fn credentials(req: &Request) -> (bool, Option<String>, Option<String>, Option<String>) {
    let text = |h: &str| req.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
    (
        req.method() == Method::GET || req.method() == Method::HEAD,
        req.uri().query().map(str::to_string),
        text(auth::HEADER),
        text("cookie"),
    )
}

async fn guard(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let (is_read, query, token_header, cookie) = credentials(&req);
    if !auth::allowed(&app.token, is_read, query.as_deref(), token_header.as_deref(), cookie.as_deref()) {
        return (
            StatusCode::FORBIDDEN,
            "403 Forbidden: open the URL `framelens serve` printed (it holds this session's token)\n",
        )
            .into_response();
    }
    let set_cookie = is_read && auth::from_query(query.as_deref()).is_some_and(|t| auth::same(t, &app.token));
    let is_report = req.uri().path() == "/report";
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(if is_report { CSP_REPORT } else { CSP }));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if set_cookie {
        if let Ok(v) =
            HeaderValue::from_str(&format!("{}={}; Path=/; HttpOnly; SameSite=Strict", auth::COOKIE, app.token))
        {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

async fn overview(State(app): State<Shared>) -> Html<String> {
    let run = app.run();
    let tables = Arc::clone(&app.tables.read().unwrap_or_else(|e| e.into_inner()));
    Html(pages::explore::overview(&app.ctx(), &run, &tables).into_string())
}

async fn paragraphs(State(app): State<Shared>, Query(f): Query<Filter>) -> Html<String> {
    let run = app.run();
    let page = f.apply(&run);
    Html(pages::explore::table(&app.ctx(), &run, &f, &page).into_string())
}

async fn paragraph(State(app): State<Shared>, UrlPath(row): UrlPath<usize>) -> Result<Html<String>, Failure> {
    let run = app.run();
    if row >= run.paragraphs.len() {
        return Err(Failure(StatusCode::NOT_FOUND, format!("no paragraph {row} in this run")));
    }
    let codes = lock(&app.store).paragraph(&run.key(row))?;
    Ok(Html(pages::explore::paragraph(&app.ctx(), &run, row, &codes).into_string()))
}

fn body_row(run: &RunData, row: Option<usize>) -> Result<Option<usize>, Failure> {
    match row {
        Some(r) if r >= run.paragraphs.len() || !run.paragraphs[r].is_body() => {
            Err(bad(format!("row {r} is not a body paragraph of this run")))
        }
        r => Ok(r),
    }
}

async fn code_page(State(app): State<Shared>, Query(q): Query<CodeQuery>) -> Result<Html<String>, Failure> {
    let run = app.run();
    let store = lock(&app.store);
    let coders = store.coders()?;
    if q.coder.trim().is_empty() {
        return Ok(Html(pages::code::start(&app.ctx(), &coders, &q).into_string()));
    }
    let mine = store.coder(&q.coder)?;
    let order = Order::parse(&q.order);
    let others: Vec<HashMap<Key, Code>> = if order == Order::Disagreements {
        coders.iter().filter(|c| **c != q.coder).map(|c| store.coder(c)).collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    drop(store);
    let queue = queue::order(&run, order, &others);
    let (next, done) = queue::next(&run, &queue, &mine);
    let row = body_row(&run, q.row)?.or(next);
    let code = row.and_then(|r| mine.get(&run.key(r)).cloned()).unwrap_or_default();
    Ok(Html(pages::code::item(&app.ctx(), &run, &q, row, &code, done, queue.len()).into_string()))
}

#[derive(Deserialize)]
struct CodeForm {
    row: usize,
    action: String,
    #[serde(default)]
    value: String,
}

async fn code_post(
    State(app): State<Shared>,
    Query(q): Query<CodeQuery>,
    Form(f): Form<CodeForm>,
) -> Result<Redirect, Failure> {
    let coder = q.coder.trim();
    if coder.is_empty() {
        return Err(bad("no coder named"));
    }
    let run = app.run();
    let mut store = lock(&app.store);
    let back = |row: Option<usize>| {
        let mut url = format!("/code?{}", q.query());
        if let Some(r) = row {
            url += &format!("&row={r}");
        }
        Redirect::to(&url)
    };
    if f.action == "undo" {
        let undone = store.undo(coder)?;
        return Ok(back(undone.and_then(|k| run.row(&k))));
    }
    let row = body_row(&run, Some(f.row))?.unwrap_or(f.row);
    let change = if let Some(frame) = f.action.strip_prefix("frame:") {
        if !run.is_label(frame) {
            return Err(bad(format!("`{frame}` is not a frame of this run")));
        }
        Change::Frame(frame.to_string())
    } else if let Some(stance) = f.action.strip_prefix("stance:") {
        if framelens::run::labels::Stance::parse(stance).is_none() || run.stance_target.is_none() {
            return Err(bad(format!("`{stance}` is not a stance of this run")));
        }
        Change::Stance(stance.to_string())
    } else if f.action == "note" {
        Change::Note(f.value.trim().to_string())
    } else if f.action == "skip" {
        Change::Skip
    } else {
        return Err(bad(format!("unknown action `{}`", f.action)));
    };
    let key = run.key(row);
    store.apply(coder, &key, &change)?;
    let complete =
        store.paragraph(&key)?.iter().any(|(who, c)| who == coder && c.is_complete(run.stance_target.is_some()));
    // Stay on the paragraph until it is finished (a frame still needs its stance), then the queue's next.
    Ok(back((!complete).then_some(row)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AgreementQuery {
    a: String,
    b: String,
    task: String,
}

const MODEL: &str = "model";
const MODEL_BEFORE: &str = "model (before relabelling)";

async fn agreement_page(State(app): State<Shared>, Query(q): Query<AgreementQuery>) -> Result<Html<String>, Failure> {
    let run = app.run();
    let before = app.before.read().unwrap_or_else(|e| e.into_inner()).clone();
    let codes: Vec<(String, HashMap<Key, Code>)> = {
        let store = lock(&app.store);
        store.coders()?.into_iter().map(|c| store.coder(&c).map(|m| (c, m))).collect::<Result<_, _>>()?
    };
    let mut lines = Vec::new();
    for (i, (a, ca)) in codes.iter().enumerate() {
        for (b, cb) in &codes[i + 1..] {
            lines.push(pages::agreement::Line {
                a: a.clone(),
                b: b.clone(),
                frames: coder_vs_coder(&run, ca, cb, Task::Frame),
                stance: coder_vs_coder(&run, ca, cb, Task::Stance),
            });
        }
    }
    for (a, ca) in &codes {
        for (name, r) in [(MODEL_BEFORE, before.as_ref()), (MODEL, Some(&run))] {
            if let Some(r) = r {
                lines.push(pages::agreement::Line {
                    a: a.clone(),
                    b: name.to_string(),
                    frames: coder_vs_model(r, ca, Task::Frame),
                    stance: coder_vs_model(r, ca, Task::Stance),
                });
            }
        }
    }
    let task = if q.task == "stance" { Task::Stance } else { Task::Frame };
    let detail = lines.iter().find(|l| l.a == q.a && l.b == q.b).map(|l| (l, task));
    let text = |row: usize| run.paragraphs.get(row).map(|p| snippet(&p.text, 140)).unwrap_or_default();
    Ok(Html(pages::agreement::page(&app.ctx(), &lines, detail, &text).into_string()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CoderQuery {
    coder: String,
}

async fn export(State(app): State<Shared>, Query(q): Query<CoderQuery>) -> Result<Response, Failure> {
    let run = app.run();
    let codes = lock(&app.store).coder(&q.coder)?;
    let rows = sheet::export_rows(&run, &codes);
    let bytes =
        framelens::sample::coded_sheet(&rows).map_err(|e| Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let name: String =
        q.coder.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"codes-{name}.csv\"")),
        ],
        bytes,
    )
        .into_response())
}

async fn import(State(app): State<Shared>, Query(q): Query<CoderQuery>, body: Bytes) -> Result<String, Failure> {
    if q.coder.trim().is_empty() {
        return Err(bad("no coder named"));
    }
    let run = app.run();
    let dir = CodeStore::path_in(&app.home).parent().map(Path::to_path_buf).unwrap_or_default();
    let tmp = tempfile::Builder::new().prefix("import-").suffix(".csv").tempfile_in(&dir).map_err(ServeError::Io)?;
    std::fs::write(tmp.path(), &body).map_err(ServeError::Io)?;
    let mut store = lock(&app.store);
    match sheet::import(&run, &mut store, q.coder.trim(), tmp.path()) {
        Ok(n) => Ok(format!("imported codes of {} paragraphs as {}\n", n.rows, q.coder.trim())),
        Err(e) => Err(bad(e.to_string().replace(&tmp.path().display().to_string(), "the uploaded sheet"))),
    }
}

fn train_available(app: &App) -> Result<(), String> {
    if app.relabel.is_none() {
        return Err("this workbench was started without training (library use)".into());
    }
    Ok(())
}

async fn train_page(State(app): State<Shared>) -> Result<Html<String>, Failure> {
    let run = app.run();
    let coders: Vec<(String, usize)> = {
        let store = lock(&app.store);
        store
            .coders()?
            .into_iter()
            .map(|c| store.coder(&c).map(|m| (c, sheet::export_rows(&run, &m).len())))
            .collect::<Result<_, _>>()?
    };
    let relabelled = app.before.read().unwrap_or_else(|e| e.into_inner()).is_some();
    let job = lock(&app.job);
    Ok(Html(pages::train::page(&app.ctx(), &coders, &job, train_available(&app), relabelled).into_string()))
}

async fn train_post(State(app): State<Shared>, Form(q): Form<CoderQuery>) -> Result<Redirect, Failure> {
    train_available(&app).map_err(bad)?;
    let relabel = app.relabel.clone().ok_or_else(|| bad("no training"))?;
    if matches!(lock(&app.job).status, Status::Running(_)) {
        return Err(Failure(StatusCode::CONFLICT, "a round is already running".into()));
    }
    let run = app.run();
    let rows = sheet::export_rows(&run, &lock(&app.store).coder(&q.coder)?);
    if rows.is_empty() {
        return Err(bad(format!("`{}` has coded nothing", q.coder)));
    }
    let dir = jobs::next_round_dir(&app.home);
    std::fs::create_dir_all(&dir).map_err(ServeError::Io)?;
    let coded = dir.join("coded.csv");
    framelens::sample::write_coded(&coded, &rows)
        .map_err(|e| Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let out = dir.join("run");
    let steps = relabel.steps(&run, &coded, &dir.join("head.json"), &out).map_err(bad)?;
    {
        let mut job = lock(&app.job);
        *job = Job { status: Status::Running("starting".into()), log: Vec::new(), dir: Some(dir) };
    }
    let done_app = Arc::clone(&app);
    jobs::start(Arc::clone(&app.job), steps, out, move |out| {
        let new = RunData::load(out, done_app.codebook.as_deref()).map_err(|e| e.to_string())?;
        let tables = Tables::read(&new);
        let old = std::mem::replace(&mut *done_app.run.write().unwrap_or_else(|e| e.into_inner()), Arc::new(new));
        *done_app.before.write().unwrap_or_else(|e| e.into_inner()) = Some(old);
        *done_app.tables.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(tables);
        Ok(())
    });
    Ok(Redirect::to("/train"))
}

async fn train_status(State(app): State<Shared>) -> Response {
    let job = lock(&app.job);
    let (state, message) = match &job.status {
        Status::Idle => ("idle", String::new()),
        Status::Running(s) => ("running", s.clone()),
        Status::Done(d) => ("done", d.display().to_string()),
        Status::Failed(m) => ("failed", m.clone()),
    };
    axum::Json(serde_json::json!({ "state": state, "message": message, "log": job.log })).into_response()
}

async fn report(State(app): State<Shared>) -> Result<Response, Failure> {
    let run = app.run();
    let path = run.dir.join("report.html");
    let html = std::fs::read_to_string(&path).map_err(|_| {
        Failure(StatusCode::NOT_FOUND, "this run has no report.html (run `framelens compare --report`)".into())
    })?;
    Ok(Html(html).into_response())
}
