#!/usr/bin/env python3
"""Times the completion and seat-coverage reports on a generated data set of 100 organisations,
20,000 users, 10 courses and 100,000 enrolments (60 % completed with a certificate, 30 % in
progress, 10 % withdrawn) and 100 seats with holders.

Usage: cargo build --release && python3 bench/reports.py
Creates and drops the database poc_lms_bench_reports on the local PostgreSQL.
"""
import json, os, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "poc-lms")
SERVER = os.environ.get("DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DB = "poc_lms_bench_reports"
ADDR = "127.0.0.1:18091"
PASSWORD = "bench passphrase 1540"

SEED = """
INSERT INTO organisations (name, kind) SELECT 'Organisation ' || g, 'other' FROM generate_series(1, 100) g;
INSERT INTO users (email, full_name, role, password_hash, email_verified_at, organisation_id)
SELECT 'person' || g || '@example.org', 'Person ' || g, 'trainee', (SELECT password_hash FROM users WHERE role = 'admin' LIMIT 1), now(),
       (SELECT id FROM organisations ORDER BY name OFFSET (g % 100) LIMIT 1)
FROM generate_series(1, 20000) g;
INSERT INTO courses (slug, title, summary, language, status, revision, certificate_validity_days, published_at)
SELECT 'course-' || g, 'Course ' || g, 'Bench course', 'en', 'published', 1, 730, now() FROM generate_series(1, 10) g;
INSERT INTO cohorts (course_id, name, starts_on, ends_on)
SELECT c.id, 'Cohort ' || k, current_date - 200 + k * 30, current_date + k * 30 FROM courses c, generate_series(1, 3) k;
CREATE TEMP TABLE people AS SELECT id, row_number() OVER (ORDER BY email) AS n FROM users WHERE role = 'trainee';
CREATE TEMP TABLE numbered_courses AS SELECT id, row_number() OVER (ORDER BY slug) - 1 AS k FROM courses;
INSERT INTO enrolments (user_id, course_id, cohort_id, status, course_revision, enrolled_at, due_on, completed_at, withdrawn_at)
SELECT p.id, c.id, (SELECT id FROM cohorts WHERE course_id = c.id ORDER BY name OFFSET (p.n % 3) LIMIT 1),
       CASE WHEN (p.n + j) % 10 < 6 THEN 'completed' WHEN (p.n + j) % 10 < 9 THEN 'active' ELSE 'withdrawn' END,
       1, now() - ((p.n % 300) || ' days')::interval, current_date + ((p.n % 60) - 20)::int,
       CASE WHEN (p.n + j) % 10 < 6 THEN now() - ((p.n % 300) || ' days')::interval + (((p.n + j) % 40 + 1) || ' days')::interval END,
       CASE WHEN (p.n + j) % 10 >= 9 THEN now() END
FROM people p CROSS JOIN generate_series(0, 4) j JOIN numbered_courses c ON c.k = (p.n + j * 2) % 10;
INSERT INTO certificates (code, enrolment_id, user_id, course_id, course_revision, holder_name, course_title, issued_at, expires_at)
SELECT 'BENCH-' || e.id, e.id, e.user_id, e.course_id, 1, 'Person', c.title, e.completed_at, e.completed_at + interval '730 days' - ((random() * 900)::int || ' days')::interval
FROM enrolments e JOIN courses c ON c.id = e.course_id WHERE e.status = 'completed';
INSERT INTO seats (organisation_id, title, required_course_ids)
SELECT o.id, 'National Point of Contact', ARRAY(SELECT id FROM courses ORDER BY slug LIMIT 3) FROM organisations o;
INSERT INTO seat_holdings (seat_id, user_id, starts_on)
SELECT s.id, (SELECT id FROM users WHERE organisation_id = s.organisation_id LIMIT 1), current_date - 100 FROM seats s
WHERE s.organisation_id IN (SELECT id FROM organisations ORDER BY name LIMIT 90);
ANALYZE;
"""


def psql(sql, db="postgres"):
    done = subprocess.run(["psql", f"{SERVER}/{db}", "-v", "ON_ERROR_STOP=1", "-Atqc", sql], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"psql failed: {done.stderr}")
    return done.stdout.strip()


def get(path, token, accept="application/json"):
    req = urllib.request.Request(f"http://{ADDR}{path}", headers={"Authorization": f"Bearer {token}", "Accept": accept})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = resp.read()
    return (time.perf_counter() - start) * 1000, len(body)


def main():
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    env = dict(os.environ, DATABASE_URL=f"{SERVER}/{DB}", BIND_ADDR=ADDR, MAIL_DIR=tempfile.mkdtemp(), RUST_LOG="warn", WORKER="off",
               POC_LMS_ADMIN_PASSWORD=PASSWORD, COURSE_CONTENT_DIR="/nonexistent")
    subprocess.run([BIN, "create-admin", "--email", "admin@example.org", "--full-name", "Bench Admin"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    psql(SEED, DB)
    counts = psql("SELECT (SELECT count(*) FROM organisations) || ' organisations, ' || (SELECT count(*) FROM users) || ' users, ' || "
                  "(SELECT count(*) FROM courses) || ' courses, ' || (SELECT count(*) FROM enrolments) || ' enrolments, ' || "
                  "(SELECT count(*) FROM certificates) || ' certificates, ' || (SELECT count(*) FROM seats) || ' seats'", DB)
    print(f"seeded in {time.perf_counter() - start:.1f} s: {counts}")
    server = subprocess.Popen([BIN, "serve"], env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://{ADDR}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        body = json.dumps({"email": "admin@example.org", "password": PASSWORD}).encode()
        req = urllib.request.Request(f"http://{ADDR}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"})
        token = json.loads(urllib.request.urlopen(req).read())["access_token"]
        for path, accept in [("/api/v1/reports/completion", "application/json"), ("/api/v1/reports/completion", "text/csv"),
                             ("/api/v1/reports/seats", "application/json"), ("/api/v1/reports/seats", "text/csv")]:
            get(path, token, accept)  # warm up
            runs = [get(path, token, accept) for _ in range(7)]
            times = [t for t, _ in runs]
            print(f"{path} ({accept}): median {statistics.median(times):.0f} ms, max {max(times):.0f} ms, {runs[0][1]} bytes")
    finally:
        server.terminate()
        server.wait()
        if not os.environ.get("KEEP"):
            psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
