#!/usr/bin/env python3
"""Measures what the closing notes report, against a release build on this machine:

1. the cost of one login (sequential, mean and p50 of 30) and logins/s under load (wrk, if present);
2. how long a 10,000-row bulk-enrolment CSV takes;
3. how many SQL statements one outline request runs (PostgreSQL statement log);
4. quiz submits per second (start + save + submit cycles from 8 trainees in parallel);
5. emails per second that one `poc-lms worker` delivers to a local SMTP sink (the invitations
   the CSV queued).

Usage: python3 bench/measure.py   (builds nothing: run `cargo build --release` first)
It creates and drops the database poc_lms_bench on the local PostgreSQL (DATABASE_SERVER,
default postgres://postgres@127.0.0.1:5432).
"""
import asyncio, json, os, statistics, subprocess, sys, tempfile, threading, time, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "poc-lms")
SERVER = os.environ.get("DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DB = "poc_lms_bench"
ADDR = "127.0.0.1:18090"
BASE = f"http://{ADDR}"
PASSWORD = "bench passphrase 1540"
PG_LOG = "/var/log/postgresql/postgresql-15-main.log"


def psql(sql, db="postgres"):
    return subprocess.run(["psql", f"{SERVER}/{db}", "-Atqc", sql], check=True, capture_output=True, text=True).stdout.strip()


def call(method, path, body=None, token=None, content_type="application/json", raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            text = resp.read()
            return resp.status, (json.loads(text) if text and resp.headers.get_content_type().endswith("json") else text)
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def login(email):
    status, body = call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, (status, body)
    return body["access_token"]


def main():
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    env = dict(os.environ, DATABASE_URL=f"{SERVER}/{DB}", BIND_ADDR=ADDR, MAIL_DIR=tempfile.mkdtemp(), RUST_LOG="warn",
               POC_LMS_ADMIN_PASSWORD=PASSWORD, WORKER="off", COURSE_CONTENT_DIR=os.path.join(ROOT, "course-content"))
    subprocess.run([BIN, "create-admin", "--email", "admin@example.org", "--full-name", "Bench Admin"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([BIN, "serve"], env=env)
    try:
        for _ in range(100):
            try:
                if call("GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        psql("INSERT INTO users (email, full_name, role, password_hash, email_verified_at) "
             "SELECT 'trainee' || g || '@example.org', 'Trainee ' || g, 'trainee', "
             "(SELECT password_hash FROM users WHERE role = 'admin' LIMIT 1), now() FROM generate_series(1, 8) g", DB)
        admin = login("admin@example.org")
        measure_login()
        course_id = measure_bulk_csv(admin)
        measure_outline_queries(course_id)
        measure_submits(admin)
        measure_delivery(env)
    finally:
        server.terminate()
        server.wait()
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def measure_login():
    times = []
    for _ in range(30):
        start = time.perf_counter()
        login("trainee1@example.org")
        times.append((time.perf_counter() - start) * 1000)
    print(f"login, sequential: mean {statistics.mean(times):.1f} ms, p50 {statistics.median(times):.1f} ms (30 logins)")
    wrk = subprocess.run(["which", "wrk"], capture_output=True, text=True).stdout.strip()
    if wrk:
        out = subprocess.run([wrk, "-t2", "-c8", "-d10s", "--latency", "-s", os.path.join(ROOT, "bench", "login.lua"), BASE, "--",
                              "trainee1@example.org", PASSWORD], capture_output=True, text=True).stdout
        lines = [l for l in out.splitlines() if "Requests/sec" in l or "Non-2xx" in l or "50%" in l or "99%" in l]
        print("login under load (wrk -t2 -c8 -d10s):", "; ".join(l.strip() for l in lines))


def measure_bulk_csv(admin):
    status, page = call("GET", "/api/v1/courses", token=admin)
    course_id = page["items"][0]["id"]
    rows = ["email,full_name,organisation,cohort"] + [f"person{n}@example.org,Person {n},Ministry {n % 57}," for n in range(10000)]
    start = time.perf_counter()
    status, report = call("POST", f"/api/v1/courses/{course_id}/enrolments/bulk", token=admin, content_type="text/csv",
                          raw="\n".join(rows).encode())
    elapsed = time.perf_counter() - start
    assert status == 200, (status, report)
    print(f"bulk CSV, 10,000 new addresses: {elapsed:.1f} s (invited {report['invited']}, errors {report['errors']})")
    return course_id


def measure_outline_queries(course_id):
    token = login("trainee2@example.org")
    status, enrolment = call("POST", f"/api/v1/courses/{course_id}/enrolments", {}, token)
    assert status == 201, (status, enrolment)
    path = f"/api/v1/enrolments/{enrolment['id']}/outline"
    call("GET", path, token=token)  # warm the pool
    # Server-wide and reloaded, so the pool's open sessions log too; reset right after.
    psql("ALTER SYSTEM SET log_statement = 'all'")
    psql("SELECT pg_reload_conf()")
    time.sleep(0.5)
    with open(PG_LOG, "rb") as log:
        log.seek(0, 2)
        offset = log.tell()
    status, _ = call("GET", path, token=token)
    time.sleep(0.5)
    psql("ALTER SYSTEM RESET log_statement")
    psql("SELECT pg_reload_conf()")
    with open(PG_LOG, "rb") as log:
        log.seek(offset)
        text = log.read().decode(errors="replace")
    statements = [l for l in text.splitlines() if f"@{DB} " in l and ("statement: " in l or "execute " in l)]
    print(f"outline: {len(statements)} SQL statements for one request (status {status}), of which "
          f"{sum('SELECT $1' in l for l in statements)} are the pool's connection checks")


def measure_submits(admin):
    status, course = call("POST", "/api/v1/courses", {"slug": "bench-quiz", "title": "Bench quiz", "summary": "Bench.", "language": "en"}, admin)
    course_id = course["id"]
    status, module = call("POST", f"/api/v1/courses/{course_id}/modules", {"title": "Only module"}, admin)
    call("POST", f"/api/v1/modules/{module['id']}/lessons", {"title": "L", "body_markdown": "Text"}, admin)
    status, quiz = call("POST", f"/api/v1/modules/{module['id']}/quizzes", {"title": "Q", "pass_mark_percent": 50}, admin)
    for n in range(5):
        call("POST", f"/api/v1/quizzes/{quiz['id']}/questions", {"kind": "single_choice", "prompt": f"Q{n}", "options": [{"label": "a", "is_correct": True}, {"label": "b"}]}, admin)
    status, _ = call("POST", f"/api/v1/courses/{course_id}/publish", {}, admin)
    assert status == 200, status
    tokens = []
    for n in range(1, 9):
        token = login(f"trainee{n}@example.org")
        call("POST", f"/api/v1/courses/{course_id}/enrolments", {}, token)
        tokens.append(token)
    done = []
    stop = time.time() + 15

    def worker(token):
        count = 0
        while time.time() < stop:
            status, attempt = call("POST", f"/api/v1/quizzes/{quiz['id']}/attempts", {}, token)
            assert status == 201, (status, attempt)
            answers = [{"question_id": q["id"], "option_ids": [q["options"][0]["id"]]} for q in attempt["questions"]]
            call("PUT", f"/api/v1/attempts/{attempt['id']}/answers", {"answers": answers}, token)
            status, graded = call("POST", f"/api/v1/attempts/{attempt['id']}/submit", {}, token)
            assert status == 200, status
            count += 1
        done.append(count)

    threads = [threading.Thread(target=worker, args=(t,)) for t in tokens]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    print(f"quiz attempts (start + save + submit), 8 trainees in parallel: {sum(done) / elapsed:.0f} full attempts/s "
          f"({sum(done)} in {elapsed:.1f} s)")


async def smtp_session(reader, writer, received):
    writer.write(b"220 sink ESMTP\r\n")
    while line := await reader.readline():
        command = line.decode(errors="replace").strip().upper()
        if command.startswith("EHLO"):
            writer.write(b"250-sink\r\n250 8BITMIME\r\n")
        elif command == "DATA":
            writer.write(b"354 go ahead\r\n")
            await writer.drain()
            while (await reader.readline()).rstrip(b"\r\n") != b".":
                pass
            received.append(1)
            writer.write(b"250 queued\r\n")
        elif command == "QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"250 OK\r\n")
        await writer.drain()
    writer.close()


def start_sink(received):
    """A minimal SMTP server on a free port, in a thread; returns the port."""
    ready = threading.Event()
    port = []

    def run():
        async def main():
            server = await asyncio.start_server(lambda r, w: smtp_session(r, w, received), "127.0.0.1", 0)
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            await server.serve_forever()
        asyncio.run(main())

    threading.Thread(target=run, daemon=True).start()
    ready.wait()
    return port[0]


def measure_delivery(env):
    pending = int(psql("SELECT count(*) FROM email_outbox WHERE status = 'pending'", DB))
    received = []
    port = start_sink(received)
    worker = subprocess.Popen([BIN, "worker"], env=dict(env, SMTP_URL=f"smtp://127.0.0.1:{port}"))
    start = time.perf_counter()
    try:
        while int(psql("SELECT count(*) FROM email_outbox WHERE status IN ('pending', 'sending')", DB)) > 0 and time.perf_counter() - start < 300:
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait()
    print(f"email delivery, one worker to a local SMTP sink: {len(received) / elapsed:.0f} messages/s "
          f"({len(received)} of {pending} queued in {elapsed:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
