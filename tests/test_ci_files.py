"""CI files ready to copy (``policykit ci --write github|gitlab``): they validate against the published
JSON Schemas (SchemaStore's github-workflow and gitlab-ci, as vendored by check-jsonschema), keep the
security properties of the recipe, and their steps' policykit commands run on a throwaway repository.
The comment scripts are run against a local stand-in of the GitHub/GitLab API: one comment, updated."""
from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

import gitrepo
from conftest import git
from policykit.bench.generate import generate
from policykit.cli import main
from policykit.errors import UsageError
from policykit.setup.ci import MARKER, ci_files, write_ci_files

ROOT = Path(__file__).resolve().parents[1]
PK = Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv") / "bin" / "policykit"


def schema(name: str) -> dict:
    try:
        import check_jsonschema
    except ImportError:
        pytest.skip("check-jsonschema (which vendors the SchemaStore schemas) is not installed")
    path = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / name
    if not path.is_file():
        pytest.skip(f"{name} is not vendored by this check-jsonschema")
    return json.loads(path.read_text(encoding="utf-8"))


def load(text: str):
    # YAML 1.1 reads the key `on` as True: GitHub reads YAML 1.2-ish, so keys are taken as written
    data = yaml.safe_load(text)
    if isinstance(data, dict) and True in data:
        data["on"] = data.pop(True)
    return data


@pytest.fixture(scope="module")
def github():
    files = ci_files("github")
    return {name: load(text) for name, text in files.items()}, files


@pytest.fixture(scope="module")
def gitlab():
    text = ci_files("gitlab")[".gitlab-ci.yml"]
    return load(text), text


def test_github_workflows_validate_against_the_published_schema(github):
    import jsonschema
    data, _ = github
    s = schema("github-workflows.json")
    for name, doc in data.items():
        jsonschema.validate(doc, s)


def test_gitlab_ci_validates_against_the_published_schema(gitlab):
    import jsonschema
    doc, _ = gitlab
    jsonschema.validate(doc, schema("gitlab-ci.json"))


def test_a_broken_file_does_not_validate():
    """The schemas are not vacuous: a job without runs-on, a job with an unknown key are refused."""
    import jsonschema
    bad = load(ci_files("github")[".github/workflows/policykit.yml"])
    del bad["jobs"]["check"]["runs-on"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema("github-workflows.json"))
    bad = load(ci_files("gitlab")[".gitlab-ci.yml"])
    bad["policykit-check"]["artifacts"]["reports"]["codequality"] = {"not": "a path"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema("gitlab-ci.json"))


def test_docs_hold_the_same_files(github, gitlab):
    _, files = github
    assert (ROOT / "docs/ci/github-policykit.yml").read_text(encoding="utf-8") == files[".github/workflows/policykit.yml"]
    assert (ROOT / "docs/ci/github-policykit-review.yml").read_text(encoding="utf-8") == \
        files[".github/workflows/policykit-review.yml"]
    assert (ROOT / "docs/ci/gitlab-ci.yml").read_text(encoding="utf-8") == gitlab[1]


def test_github_check_is_read_only_and_the_comment_runs_nothing_of_the_pull_request(github):
    data, _ = github
    wf, review = data[".github/workflows/policykit.yml"], data[".github/workflows/policykit-review.yml"]
    assert set(wf["on"]) == {"pull_request", "push"} and "pull_request_target" not in json.dumps(wf)
    assert wf["jobs"]["check"]["permissions"] == {"contents": "read"}
    writers = {n for n, j in wf["jobs"].items() if any(v == "write" for v in j.get("permissions", {}).values())}
    assert writers == {"upload", "deploy"}
    runs = [s["run"] for s in wf["jobs"]["check"]["steps"] if "run" in s]
    assert all("${{" not in r for r in runs)
    check = next(r for r in runs if 'policykit" check' in r)
    assert '--baseline "origin/$BASE_REF"' in check and "../base/rules" in check
    # the comment: workflow_run, no permission at the top, exactly two in its job, no checkout, no secret
    assert set(review["on"]) == {"workflow_run"} and review["permissions"] == {}
    job = review["jobs"]["comment"]
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    uses = [s.get("uses", "") for s in job["steps"]]
    assert not any(u.startswith("actions/checkout") for u in uses)
    dumped = json.dumps(review)
    assert "secrets." not in dumped and "pull_request_target" not in dumped
    assert all("${{" not in s["run"] for s in job["steps"] if "run" in s)
    assert "head.sha" in job["steps"][1]["run"]       # the artifact's number is checked against the commit


def test_write_ci_files_refuses_to_overwrite_and_links(tmp_path, capsys):
    assert main(["ci", "--write", "gitlab", str(tmp_path)]) == 0
    assert (tmp_path / ".gitlab-ci.yml").read_text(encoding="utf-8") == ci_files("gitlab")[".gitlab-ci.yml"]
    assert main(["ci", "--write", "gitlab", str(tmp_path)]) == 0          # the same content: fine
    (tmp_path / ".gitlab-ci.yml").write_text("stages: []\n", encoding="utf-8")
    assert main(["ci", "--write", "gitlab", str(tmp_path)]) == 2
    assert (tmp_path / ".gitlab-ci.yml").read_text(encoding="utf-8") == "stages: []\n"
    assert main(["ci", "--write", "gitlab", str(tmp_path), "--force"]) == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".github").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UsageError):
        write_ci_files(repo, "github")
    assert list(outside.iterdir()) == []
    with pytest.raises(UsageError):
        write_ci_files(repo, "jenkins")


# ---- the steps, run ------------------------------------------------------------------------------
def _city_on_main(root: Path) -> str:
    """A small generated city with the project's rules, committed on main; the commit's sha."""
    generate(root, "small", seed=11)
    shutil.copytree(ROOT / "rules", root / "rules")
    return gitrepo.Repo(root).commit("初始清单")


@pytest.fixture(scope="module")
def pull_request(tmp_path_factory):
    """A city on main (with its rules) and a pull request that adds one problem (a 上级下放 item without
    its document), laid out as the GitHub
    job has it: ``base/`` (the base branch) and ``tree/`` (the pull request, with origin/main)."""
    top = tmp_path_factory.mktemp("ci")
    origin = top / "origin"
    _city_on_main(origin)
    gitrepo.run(top, "clone", "-q", str(origin), "base")
    gitrepo.run(top, "clone", "-q", str(origin), "tree")
    tree = top / "tree"
    git(tree, "checkout", "-q", "-b", "pr")
    f = sorted((tree / "lists/powers").glob("*.yaml"))[-1]
    text = f.read_text(encoding="utf-8")
    assert "power_source: 法定本级行使" in text
    f.write_text(text.replace("power_source: 法定本级行使", "power_source: 上级下放", 1), encoding="utf-8")
    git(tree, "commit", "-q", "-am", "一项改为上级下放\n\n调整类型: 纠错\n调整事由: 权力来源写错\n")
    return top


def bash(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600)


def test_the_github_check_steps_run(pull_request, github, tmp_path):
    if not PK.exists():
        pytest.skip("no policykit executable beside the interpreter")
    top = pull_request
    runner = tmp_path / "runner"
    (runner / "pk" / "bin").mkdir(parents=True)
    (runner / "pk" / "bin" / "policykit").symlink_to(PK)
    output = tmp_path / "github-output"
    env = {"RUNNER_TEMP": str(runner), "BASE_REF": "main", "EVENT": "pull_request", "PR_NUMBER": "7",
           "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md")}
    steps = github[0][".github/workflows/policykit.yml"]["jobs"]["check"]["steps"]
    ran = []
    for step in steps:
        run = step.get("run")
        if not run or "pip" in run or "docs build" in run or "STATUS" in run:
            continue                          # installing, the site build, the verdict: below or not here
        cwd = top / step.get("working-directory", ".")
        done = bash(run, cwd, env)
        assert done.returncode == 0, (step["name"], done.stdout, done.stderr)
        ran.append(step["name"])
    assert len(ran) == 3
    report = top / "report"
    result = json.loads((report / "policykit.json").read_text(encoding="utf-8"))
    assert result["baseline"]["new"] == 1, [(p["rule"], p["message"]) for p in result["problems"] if p["baseline_state"] == "new"]
    assert (report / "pr-number").read_text() == "7\n"
    comment = (report / "review.md").read_text(encoding="utf-8")
    assert len(comment) < 60_000 and "### 本次变更引入的问题（1 个）" in comment
    assert (report / "review-full.md").is_file()
    sarif = json.loads((top / "policykit.sarif").read_text(encoding="utf-8"))
    assert sum(r["baselineState"] == "new" for r in sarif["runs"][0]["results"]) == 1
    assert "### 新问题（1 个）" in (tmp_path / "step-summary.md").read_text(encoding="utf-8")   # the job's page
    status = dict(line.split("=", 1) for line in output.read_text().splitlines())["status"]
    assert status == "1"
    verdict = next(s for s in steps if "STATUS" in s.get("run", ""))
    assert bash(verdict["run"], top, {**env, "STATUS": status}).returncode == 1
    assert bash(verdict["run"], top, {**env, "STATUS": "0"}).returncode == 0


def test_the_gitlab_check_job_runs(pull_request, gitlab, tmp_path):
    if not PK.exists():
        pytest.skip("no policykit executable beside the interpreter")
    top = tmp_path / "mr"
    shutil.copytree(pull_request / "tree", top, symlinks=True)
    base = git(top, "merge-base", "HEAD", "origin/main").strip()
    script = gitlab[0]["policykit-check"]["script"]
    body = "\n".join(line for line in script if "pip install" not in line and "venv" not in line)
    body = body.replace("/tmp/pk/bin/policykit", str(PK)).replace("/tmp/base", str(tmp_path / "base-worktree"))
    done = bash(body, top, {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base})
    assert done.returncode == 1, (done.stdout, done.stderr)          # one new problem
    quality = json.loads((top / "gl-code-quality.json").read_text(encoding="utf-8"))
    assert quality and all(q["fingerprint"] for q in quality)
    assert "### 本次变更引入的问题（1 个）" in (top / "report/review.md").read_text(encoding="utf-8")
    assert json.loads((top / "report/policykit.json").read_text(encoding="utf-8"))["baseline"]["new"] == 1


# ---- the comment scripts against a stand-in API -----------------------------------------------------
class FakeGitLab(http.server.BaseHTTPRequestHandler):
    notes: list = []
    calls: list = []

    def log_message(self, *args):
        pass

    def _send(self, obj, code=200):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.calls.append(("GET", self.path, self.headers.get("PRIVATE-TOKEN")))
        if self.path == "/api/v4/user":
            return self._send({"id": 42})
        page = int(re.search(r"[?&]page=(\d+)", self.path).group(1))
        return self._send(self.notes if page == 1 else [])

    def _body(self):
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def do_POST(self):
        self.calls.append(("POST", self.path, None))
        note = {"id": len(self.notes) + 100, "author": {"id": 42}, "body": self._body()["body"]}
        self.notes.append(note)
        self._send(note, 201)

    def do_PUT(self):
        self.calls.append(("PUT", self.path, None))
        nid = int(self.path.rsplit("/", 1)[1])
        note = next(n for n in self.notes if n["id"] == nid)
        note["body"] = self._body()["body"]
        self._send(note)


def test_the_gitlab_comment_job_posts_one_note_and_updates_it(gitlab, tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), FakeGitLab)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeGitLab.notes = [{"id": 1, "author": {"id": 7}, "body": MARKER + "\n someone else's copy"}]
    FakeGitLab.calls = []
    try:
        (tmp_path / "report").mkdir()
        script = "\n".join(gitlab[0]["policykit-review-comment"]["script"])
        env = {"CI_API_V4_URL": f"http://127.0.0.1:{server.server_port}/api/v4", "CI_PROJECT_ID": "5",
               "CI_MERGE_REQUEST_IID": "3", "POLICYKIT_REVIEW_TOKEN": "t0ken", "CI_JOB_URL": "https://ci/job/1"}
        for n, text in enumerate(["第一版审阅", "第二版审阅 @all #12 !3" + "长" * 70_000]):
            (tmp_path / "report/review.md").write_text(text, encoding="utf-8")
            done = bash(script, tmp_path, env)
            assert done.returncode == 0, done.stderr
        mine = [note for note in FakeGitLab.notes if note["author"]["id"] == 42]
        assert len(mine) == 1 and mine[0]["body"].startswith(MARKER + "\n第二版审阅")
        assert "@\u200ball #\u200b12 !\u200b3" in mine[0]["body"] and "@all" not in mine[0]["body"]
        assert len(mine[0]["body"]) < 60_200                      # capped again by the job
        assert [c[0] for c in FakeGitLab.calls if c[0] != "GET"] == ["POST", "PUT"]
        assert all(c[2] == "t0ken" for c in FakeGitLab.calls if c[0] == "GET")
    finally:
        server.shutdown()


def test_pre_commit_hooks_name_real_options():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"policykit-check", "policykit-adjust-record"}
    for h in hooks:
        assert {"id", "name", "entry", "language"} <= set(h)
        args = h["entry"].split()[1:]
        assert args[0] in ("check", "adjust")
        with pytest.raises(SystemExit) as exc:       # the options exist: --help parses them away
            main([*args, *(["x"] if args[-1] == "--check-message" else []), "--help"])
        assert exc.value.code == 0
    assert re.search(by_id["policykit-check"]["files"], "lists/powers/scjgj.yaml")
    assert re.search(by_id["policykit-check"]["files"], "policykit.yaml")
    assert not re.search(by_id["policykit-check"]["files"], "docs/index.md")


FAKE_GH = r'''#!/usr/bin/env python3
"""A stand-in for `gh api` with the calls the review workflow makes, on a JSON state file."""
import json, os, sys
path = os.environ["FAKE_GH_STATE"]
state = json.load(open(path))
args = sys.argv[1:]
assert args[0] == "api", args
args = args[1:]
method, jq, body, paginate = "GET", None, None, False
rest = []
while args:
    a = args.pop(0)
    if a == "-X":
        method = args.pop(0)
    elif a == "--jq":
        jq = args.pop(0)
    elif a == "--input":
        body = json.load(open(args.pop(0)))
    elif a == "--paginate":
        paginate = True
    else:
        rest.append(a)
url = rest[0]
state["calls"].append([method, url])
parts = url.split("/")
if method == "GET" and parts[3] == "pulls":
    assert jq == ".head.sha"
    print(state["heads"].get(parts[4], "none"))
elif method == "GET" and parts[-1] == "comments":
    assert paginate and 'select(.user.login == "github-actions[bot]"' in jq
    marker = jq.split('startswith("')[1].split('")')[0]
    for c in state["comments"]:
        if c["user"] == "github-actions[bot]" and c["body"].startswith(marker) and c["issue"] == parts[4]:
            print(c["id"])
elif method == "POST":
    state["comments"].append({"id": 1000 + len(state["comments"]), "issue": parts[4], "user": "github-actions[bot]",
                              "body": body["body"]})
elif method == "PATCH":
    c = next(c for c in state["comments"] if str(c["id"]) == parts[-1])
    c["body"] = body["body"]
json.dump(state, open(path, "w"))
'''


def test_the_github_comment_job_posts_one_comment_and_updates_it(github, tmp_path):
    job = github[0][".github/workflows/policykit-review.yml"]["jobs"]["comment"]
    script = next(s["run"] for s in job["steps"] if "run" in s)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH, encoding="utf-8")
    (bin_dir / "gh").chmod(0o755)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"calls": [], "heads": {"7": "abc123"}, "comments": [
        {"id": 1, "issue": "7", "user": "mallory", "body": MARKER + "\n a look-alike by someone else"}]}))
    (tmp_path / "review").mkdir()
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_GH_STATE": str(state), "REPO": "city/lists",
           "HEAD_SHA": "abc123", "RUN_URL": "https://github.example/run/1"}
    for text in ("第一版审阅", "第二版审阅 @city/team 见 #12 与 !3 " + "长" * 70_000):
        (tmp_path / "review/review.md").write_text(text, encoding="utf-8")
        (tmp_path / "review/pr-number").write_text("7\n")
        done = bash(script, tmp_path, env)
        assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(state.read_text())
    ours = [c for c in data["comments"] if c["user"] == "github-actions[bot]"]
    assert len(ours) == 1 and ours[0]["body"].startswith(MARKER + "\n第二版审阅") and len(ours[0]["body"]) < 60_200
    # a review written by a run the pull request could change still notifies nobody and links nothing
    assert "@\u200bcity/team 见 #\u200b12 与 !\u200b3" in ours[0]["body"] and "@city" not in ours[0]["body"]
    assert [c[0] for c in data["calls"] if c[0] != "GET"] == ["POST", "PATCH"]
    assert data["comments"][0]["body"].endswith("someone else")           # the look-alike is left alone
    # a number that is not the pull request at the checked commit: nothing is posted
    for number in ("8\n", "7; touch pwned\n", "\n"):
        (tmp_path / "review/pr-number").write_text(number)
        before = len(json.loads(state.read_text())["calls"])
        done = bash(script, tmp_path, {**env, "HEAD_SHA": "other"})
        assert done.returncode != 0
        calls = json.loads(state.read_text())["calls"][before:]
        assert all(c[0] == "GET" for c in calls)
    assert not (tmp_path / "pwned").exists()


# ---- pinned actions, the cache, the push to main ------------------------------------------------------
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")
PINNED = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}")


def _uses_lines(text: str) -> list:
    return [m.groups() for line in text.splitlines() if (m := USES.match(line))]


def all_generated_files() -> dict:
    files = {**ci_files("github"), **ci_files("gitlab")}
    files.update({f"docs/ci/{p.name}": p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs/ci").glob("*.yml"))})
    own = ROOT / ".github" / "workflows"
    if own.is_dir():     # the project's own workflows, when it has some
        files.update({f".github/workflows/{p.name}": p.read_text(encoding="utf-8") for p in sorted(own.glob("*.y*ml"))})
    return files


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version():
    """GitHub's hardening guide: a tag can be moved to other code, a full commit SHA cannot. Each `uses:`
    names a 40-hex commit and, in a trailing comment, the release it is (so a reviewer can compare)."""
    seen = {}
    for name, text in all_generated_files().items():
        for ref, rest in _uses_lines(text):
            assert PINNED.fullmatch(ref), f"{name}: {ref} is not pinned to a full commit SHA"
            version = re.fullmatch(r"\s+#\s+(v\d+\.\d+\.\d+)\b.*", rest)
            assert version, f"{name}: {ref} has no `# vX.Y.Z` comment"
            action, sha = ref.split("@")
            assert seen.setdefault(action, (sha, version.group(1))) == (sha, version.group(1)), \
                f"{action} pinned to two different commits"
        # the parsed workflow has the same `uses` as the lines found (no other spelling slipped through)
        doc = load(text)
        parsed = [s["uses"] for job in (doc.get("jobs") or {}).values() if isinstance(job, dict)
                  for s in job.get("steps", []) if "uses" in s] if isinstance(doc, dict) else []
        assert sorted(parsed) == sorted(ref for ref, _ in _uses_lines(text) if "jobs" in doc), name
    assert {"actions/checkout", "actions/setup-python", "actions/upload-artifact", "actions/download-artifact",
            "github/codeql-action/upload-sarif", "actions/upload-pages-artifact", "actions/deploy-pages"} <= set(seen)


def test_a_tag_reference_is_caught():
    assert not PINNED.fullmatch("actions/checkout@v4")
    assert not PINNED.fullmatch("actions/checkout@11bd719")
    assert not PINNED.fullmatch("actions/checkout@main")
    assert PINNED.fullmatch("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683")


def test_pip_is_cached_and_no_untrusted_scope_reaches_a_trusted_job(github, gitlab):
    """setup-python's `cache: pip` in the jobs that install policykit. GitHub scopes caches by ref: a
    `pull_request` run saves under refs/pull/N/merge, which main's push runs never restore; the workflows
    that run in main's scope for others (`pull_request_target`, the `workflow_run` comment) restore and save
    nothing. The key follows the files that decide what is installed."""
    data, _ = github
    wf, review = data[".github/workflows/policykit.yml"], data[".github/workflows/policykit-review.yml"]
    for name in ("check", "site"):
        setup = [s for s in wf["jobs"][name]["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
        assert len(setup) == 1 and setup[0]["with"]["cache"] == "pip", name
        paths = setup[0]["with"]["cache-dependency-path"].split()
        assert any(p.endswith("pyproject.toml") for p in paths) and any(".github/workflows/" in p for p in paths)
    assert not any("pull_request_target" in str(k) for k in wf["on"])
    assert wf["jobs"]["site"]["if"].endswith("github.ref == 'refs/heads/main' }}")   # the site job: pushes only
    dumped = json.dumps(review)
    assert "cache" not in dumped and "setup-python" not in dumped       # the comment job caches nothing
    job = gitlab[0]["policykit-check"]
    assert job["cache"]["paths"] == [".cache/pip"] and job["variables"]["PIP_CACHE_DIR"].endswith("/.cache/pip")
    assert "protected branches" in gitlab[1]       # the setting that keeps merge-request caches apart is named


@pytest.fixture(scope="module")
def pushed(tmp_path_factory):
    """main with the problems a city starts with, then a push that adds none and a push that adds one."""
    top = tmp_path_factory.mktemp("push")
    tree = top / "tree"
    first = _city_on_main(tree)
    (tree / "README.md").write_text("说明\n", encoding="utf-8")
    git(tree, "add", "README.md")
    git(tree, "commit", "-q", "-m", "说明")
    clean = git(tree, "rev-parse", "HEAD").strip()
    f = sorted((tree / "lists/powers").glob("*.yaml"))[-1]
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("power_source: 法定本级行使", "power_source: 上级下放", 1), encoding="utf-8")
    git(tree, "commit", "-q", "-am", "一项改为上级下放\n\n调整类型: 纠错\n调整事由: 权力来源写错\n")
    (top / "base").symlink_to(tree)
    return top, first, clean


def _push_status(top: Path, step: dict, before: str, tmp_path: Path, name: str) -> tuple[int, dict]:
    runner = tmp_path / name
    (runner / "pk" / "bin").mkdir(parents=True)
    (runner / "pk" / "bin" / "policykit").symlink_to(PK)
    output = runner / "github-output"
    env = {"RUNNER_TEMP": str(runner), "BASE_REF": "", "EVENT": "push", "BEFORE": before, "PR_NUMBER": "",
           "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(runner / "summary.md")}
    done = bash(step["run"], top / step["working-directory"], env)
    assert done.returncode == 0, (done.stdout, done.stderr)
    status = int(dict(line.split("=", 1) for line in output.read_text().splitlines())["status"])
    return status, json.loads((top / "report/policykit.json").read_text(encoding="utf-8"))


def test_a_push_to_main_fails_only_on_the_problems_it_introduced(pushed, github, tmp_path):
    """A city adopting policykit has problems on main; a push that adds none is green (the old ones are
    counted in the report), a push that adds one is red, and a push with no usable predecessor (the
    first push of the branch) is checked in full."""
    if not PK.exists():
        pytest.skip("no policykit executable beside the interpreter")
    top, first, clean = pushed
    steps = github[0][".github/workflows/policykit.yml"]["jobs"]["check"]["steps"]
    step = next(s for s in steps if s.get("id") == "check")
    tree = top / "tree"
    head = git(tree, "rev-parse", "HEAD").strip()
    git(tree, "checkout", "-q", clean)
    try:
        status, result = _push_status(top, step, first, tmp_path, "quiet")
        assert status == 0 and result["baseline"]["new"] == 0 and result["baseline"]["unchanged"] > 0, result["baseline"]
        status, result = _push_status(top, step, "0" * 40, tmp_path, "first")     # a new branch: no predecessor
        assert status == 1 and "baseline" not in result
        status, _ = _push_status(top, step, "f" * 40, tmp_path, "gone")          # not in the history (a force push)
        assert status == 1
    finally:
        git(tree, "checkout", "-q", head)
    status, result = _push_status(top, step, clean, tmp_path, "adds")
    assert status == 1 and result["baseline"]["new"] == 1


def test_the_gitlab_push_pipeline_fails_only_on_new_problems(pushed, gitlab, tmp_path):
    if not PK.exists():
        pytest.skip("no policykit executable beside the interpreter")
    top, first, clean = pushed
    work = tmp_path / "main"
    shutil.copytree(top / "tree", work, symlinks=True)
    git(work, "checkout", "-q", clean)
    script = gitlab[0]["policykit-check"]["script"]
    body = "\n".join(line for line in script if "pip install" not in line and "venv" not in line)
    body = body.replace("/tmp/pk/bin/policykit", str(PK))
    done = bash(body, work, {"CI_MERGE_REQUEST_DIFF_BASE_SHA": "", "CI_COMMIT_BEFORE_SHA": first})
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert json.loads((work / "report/policykit.json").read_text(encoding="utf-8"))["baseline"]["unchanged"] > 0


def test_a_push_to_main_is_never_cancelled_by_the_next(github):
    """Each push to main is compared with the commit before it: a run cancelled by the next push would let
    the problems it added pass unseen (the next run takes them as its baseline). Pull requests still
    cancel their own older runs."""
    wf = github[0][".github/workflows/policykit.yml"]
    assert wf["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
