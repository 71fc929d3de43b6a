"""CI files to copy: ``policykit ci --write github|gitlab [DIR]`` (and ``policykit init``).

GitHub (two workflow files, docs/ci/ holds the same text):

* ``.github/workflows/policykit.yml`` runs under ``pull_request`` only (fork pull requests get a
  read-only token and no secrets). Its check job holds ``contents: read`` and nothing else, keeps no git
  credentials, installs policykit and takes the rules from the base branch, checks the pull request with
  ``--baseline`` (fails only on new problems) and ``--since`` (adjustment records, changes to what decides
  the verdict), writes the review (a comment under the cap and the whole review) and uploads SARIF,
  the JSON result and the review as artifacts. SARIF goes to code scanning from a job of its own.
* ``.github/workflows/policykit-review.yml`` runs on ``workflow_run`` when that workflow completes, in
  the base repository with ``pull-requests: write`` and ``actions: read`` only. It never checks out or
  runs anything from the pull request: it downloads the review artifact (data), accepts the pull-request
  number in it only if that pull request's head is the commit that was checked, and posts the review as
  ONE comment, updated in place on every push (found by a marker line).

GitLab (``.gitlab-ci.yml``): merge-request pipelines; the rules come from the target branch (a worktree
of the merge base), the check fails only on new problems, the Code Quality report shows them in the
merge request without any token, SARIF, JSON and the review are artifacts, and when a
``POLICYKIT_REVIEW_TOKEN`` variable exists a second job posts or updates one note.

On both, a push to the default branch is checked with ``--baseline`` against the commit before it, so
the problems a city starts with are reported but do not keep main red; every GitHub action is pinned to a
full commit SHA with its release in a comment; pip's downloads are cached (GitHub: setup-python's
``cache: pip``, whose per-ref scopes keep a pull request's saves away from main's jobs; GitLab: a cache
keyed on the policykit version, kept apart by its protected-branch caches); the comment jobs break
``@`` mentions and ``#123`` references once more in whatever they post (docs/security.md, "CI recipe").

The texts are constants (nothing from a repository reaches them); ``ci_files`` returns them,
``write_ci_files`` writes them without overwriting anything that differs.
"""
from __future__ import annotations

from pathlib import Path

from .._version import __version__
from ..errors import UsageError

KINDS = ("github", "gitlab")
MARKER = "<!-- policykit-review -->"

GITHUB_WORKFLOW = r"""# policykit 检查拉取请求、发布网站 · check pull requests and publish the site with policykit on GitHub Actions
#
# Written by `policykit ci --write github`; copy to .github/workflows/policykit.yml together with
# policykit-review.yml (the comment). Why each line is there: docs/security.md ("CI recipe") and
# docs/review.md. In short:
#   * pull requests are checked under `pull_request` (fork pull requests get a read-only token and no
#     secrets), never `pull_request_target` (a write token and the secrets next to the pull request's files);
#   * the checking job may read the repository and nothing else; it holds no secrets and keeps no git
#     credentials; policykit itself and the rules come from the base branch, not from the pull request;
#   * it fails only on problems the pull request introduces (--baseline) and writes the review as an
#     artifact; policykit-review.yml posts it as one comment from the base repository;
#   * the SARIF report goes to code scanning from a job of its own that only downloads the report;
#   * a push to main fails only on problems that push introduced (--baseline against the commit before
#     it): the problems a city starts with are reported (code scanning, the job page), not failed on;
#   * pip's downloads are cached by setup-python; pull-request runs write only to their own cache scope,
#     which the push job never restores (docs/security.md, "CI recipe");
#   * the site is built and deployed only from pushes to the protected main branch.
# Protect this file with CODEOWNERS: under `pull_request` GitHub runs the workflow file of the pull request.
# Every action is pinned to a full commit SHA, its release tag in the comment (GitHub's hardening guide);
# to update one, review the new release and replace both.
name: policykit

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

concurrency:
  group: policykit-${{ github.ref }}
  # a newer push to a pull request replaces its older run; every push to main is checked to the end (the
  # next push is compared with this one, so a cancelled run would let its new problems pass unseen)
  cancel-in-progress: ${{ github.event_name == 'pull_request' }}

jobs:
  check:
    name: 检查清单 · check the lists
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
    env:
      # expressions reach the scripts only through the environment, never pasted into a script
      BASE_REF: ${{ github.base_ref }}
      BEFORE: ${{ github.event.before }}
      EVENT: ${{ github.event_name }}
      PR_NUMBER: ${{ github.event.pull_request.number }}
    steps:
      - name: 基础分支（policykit 与规则）· the base branch (policykit and the rules)
        uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          ref: ${{ github.event.pull_request.base.sha || github.sha }}
          path: base
          persist-credentials: false

      - name: 待检查的提交 · the commit under check
        uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          path: tree
          fetch-depth: 0            # full history: the baseline, check --since, the changelog, item histories
          persist-credentials: false

      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: "3.11"
          # pip's downloads; a pull request's run saves to its own scope (refs/pull/N/merge), which
          # neither main nor another pull request restores; the key follows what is installed
          cache: pip
          cache-dependency-path: |
            tree/.github/workflows/*.yml
            base/pyproject.toml

      - name: 安装基础分支上的 policykit · install policykit from the base branch
        # policykit's own repository installs itself from the base branch; a city repository pins a release
        run: |
          python -m venv "$RUNNER_TEMP/pk"
          if grep -qs '^name = "policykit"$' base/pyproject.toml; then
            "$RUNNER_TEMP/pk/bin/pip" install --quiet "./base[site]"
          else
            "$RUNNER_TEMP/pk/bin/pip" install --quiet "policykit[site]==@VERSION@"
          fi

      - name: 检查（只计本次引入的问题）· policykit check --baseline
        id: check
        working-directory: tree
        run: |
          rules=()
          if [ -d ../base/rules ]; then rules=(--rules ../base/rules); fi
          since=()
          if [ "$EVENT" = pull_request ]; then
            since=(--since "origin/$BASE_REF" --baseline "origin/$BASE_REF")
          elif [ -n "$BEFORE" ] && [ "$BEFORE" != 0000000000000000000000000000000000000000 ] \
              && git cat-file -e "$BEFORE^{commit}" 2> /dev/null; then
            # a push fails only on the problems it introduced; the old ones are counted and reported
            since=(--baseline "$BEFORE")
          fi
          mkdir -p ../report
          status=0
          "$RUNNER_TEMP/pk/bin/policykit" check "${rules[@]}" "${since[@]}" -f sarif -o ../policykit.sarif -q \
            || status=$?
          if [ "$status" -gt 1 ]; then exit "$status"; fi
          # the same check again is read back from the cache: the JSON result the review reads
          "$RUNNER_TEMP/pk/bin/policykit" check "${rules[@]}" "${since[@]}" -f json -o ../report/policykit.json -q \
            || true
          "$RUNNER_TEMP/pk/bin/policykit" check "${rules[@]}" "${since[@]}" -f markdown -q >> "$GITHUB_STEP_SUMMARY" \
            || true
          echo "status=$status" >> "$GITHUB_OUTPUT"

      - name: 审阅 · policykit diff (the review comment and the whole review)
        if: ${{ github.event_name == 'pull_request' }}
        working-directory: tree
        run: |
          "$RUNNER_TEMP/pk/bin/policykit" diff "origin/$BASE_REF..." HEAD --problems ../report/policykit.json \
            --full-output ../report/review-full.md -o ../report/review.md
          printf '%s\n' "$PR_NUMBER" > ../report/pr-number

      - name: 保存报告 · keep the reports
        if: ${{ !cancelled() }}
        uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        with:
          name: policykit-sarif
          path: policykit.sarif
          if-no-files-found: error
          retention-days: 7

      - name: 保存审阅 · keep the review (policykit-review.yml posts it)
        if: ${{ !cancelled() && github.event_name == 'pull_request' }}
        uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        with:
          name: policykit-review
          path: report/
          if-no-files-found: error
          retention-days: 7

      - name: 规则自带的例子 · the rules' own examples
        # a changed rule in the pull request must still pass its pass/fail examples
        if: ${{ !cancelled() }}
        working-directory: tree
        run: '"$RUNNER_TEMP/pk/bin/policykit" test'

      - name: 试生成网站（不发布）· build the site without publishing it
        if: ${{ !cancelled() }}
        # mkdocs.yml is checked against policykit's allow-list: no hooks, plugins, templates or tags run
        working-directory: tree
        run: '"$RUNNER_TEMP/pk/bin/policykit" docs build --strict --site-dir "$RUNNER_TEMP/site"'

      - name: 结论 · the verdict (new problems fail the check)
        env:
          STATUS: ${{ steps.check.outputs.status }}
        run: exit "${STATUS:-3}"

  upload:
    name: 上传到代码扫描 · upload to code scanning
    needs: check
    if: ${{ !cancelled() && needs.check.result != 'skipped' }}
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: read
      actions: read               # upload-sarif reads the run's details in private repositories
      security-events: write
    steps:
      - uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
        with:
          name: policykit-sarif
      - uses: github/codeql-action/upload-sarif@ff0a06e83cb2de871e5a09832bc6a81e7276941f # v3.28.18
        with:
          sarif_file: policykit.sarif
          category: policykit

  site:
    name: 生成网站 · build the site (main only)
    needs: check
    if: ${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: "3.11"
          cache: pip                # main's own scope only: this job runs on pushes to main
          cache-dependency-path: |
            .github/workflows/*.yml
            pyproject.toml
      - name: 安装 · install
        run: |
          python -m venv "$RUNNER_TEMP/pk"
          if grep -qs '^name = "policykit"$' pyproject.toml; then
            "$RUNNER_TEMP/pk/bin/pip" install --quiet ".[site]"
          else
            "$RUNNER_TEMP/pk/bin/pip" install --quiet "policykit[site]==@VERSION@"
          fi
      - name: 生成 · policykit docs build
        run: '"$RUNNER_TEMP/pk/bin/policykit" docs build --strict --site-dir site'
      - uses: actions/upload-pages-artifact@56afc609e74202658d3ffba0e8f6dda462b719fa # v3.0.1
        with:
          path: site

  deploy:
    name: 发布 · deploy (main only)
    needs: site
    if: ${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - id: deployment
        uses: actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e # v4.0.5
"""

GITHUB_REVIEW = r"""# policykit 审阅评论 · post the policykit review as one pull-request comment
#
# Written by `policykit ci --write github`; copy to .github/workflows/policykit-review.yml beside
# policykit.yml. It runs when that workflow completes, from the default branch's copy of this file, in
# the base repository: a fork's pull request cannot change it. It never checks out or runs anything of
# the pull request. It only downloads the review the check job wrote (data, capped by policykit at
# 60,000 characters and capped again here), accepts the pull-request number found there only if that pull
# request's head is the very commit that was checked, and creates or updates ONE comment, recognised by
# its first line. The token may write pull-request comments and read the run's artifacts, nothing else.
name: policykit review comment

on:
  workflow_run:
    workflows: [policykit]
    types: [completed]

permissions: {}

jobs:
  comment:
    name: 审阅评论 · the review comment
    if: ${{ github.event.workflow_run.event == 'pull_request' && github.event.workflow_run.conclusion != 'cancelled' }}
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      actions: read               # download the artifact of the run that checked the pull request
      pull-requests: write        # create or update the one review comment
    steps:
      - name: 下载审阅 · download the review (data only)
        uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
        with:
          name: policykit-review
          path: review
          run-id: ${{ github.event.workflow_run.id }}
          github-token: ${{ github.token }}

      - name: 发表或更新评论 · create or update the comment
        env:
          GH_TOKEN: ${{ github.token }}
          REPO: ${{ github.repository }}
          HEAD_SHA: ${{ github.event.workflow_run.head_sha }}
          RUN_URL: ${{ github.event.workflow_run.html_url }}
        run: |
          set -euo pipefail
          number="$(head -c 20 review/pr-number | tr -cd '0-9')"
          if [ -z "$number" ]; then echo "no pull-request number in the artifact"; exit 1; fi
          head="$(gh api "repos/$REPO/pulls/$number" --jq .head.sha)"
          if [ "$head" != "$HEAD_SHA" ]; then echo "pull request $number is not at the checked commit"; exit 1; fi
          python3 - <<'EOF'
          import json, os, re
          text = open("review/review.md", encoding="utf-8", errors="replace").read(200_000)[:60_000]
          # policykit already broke mentions and references; the artifact comes from a run the pull request
          # could change, so they are broken again here: the bot notifies nobody, links no issue
          text = re.sub(r"(?<=[@#!])(?=\w)", "\u200b", text)
          link = f"\n\n[完整审阅、SARIF 与检查结果（CI 产物）]({os.environ['RUN_URL']})\n"
          with open("payload.json", "w", encoding="utf-8") as fh:
              json.dump({"body": "@MARKER@\n" + text + link}, fh, ensure_ascii=False)
          EOF
          id="$(gh api --paginate "repos/$REPO/issues/$number/comments" \
            --jq '.[] | select(.user.login == "github-actions[bot]" and (.body | startswith("@MARKER@"))) | .id' \
            | head -n 1)"
          if [ -n "$id" ]; then
            gh api -X PATCH "repos/$REPO/issues/comments/$id" --input payload.json > /dev/null
          else
            gh api -X POST "repos/$REPO/issues/$number/comments" --input payload.json > /dev/null
          fi
"""

GITLAB_CI = r"""# policykit 检查合并请求 · check merge requests with policykit on GitLab CI
#
# Written by `policykit ci --write gitlab`; copy to .gitlab-ci.yml (or include it). docs/review.md says
# why each part is there. In short:
#   * merge-request pipelines check the merge request against its merge base and fail only on the
#     problems it introduces (--baseline); the rules come from the target branch, not from the merge request;
#   * the Code Quality report shows the new problems in the merge request itself, without any token;
#     SARIF, the JSON result and the review (a comment under the cap and the whole review) are artifacts;
#   * when the project defines POLICYKIT_REVIEW_TOKEN (a project access token of a bot with the Reporter
#     role and the `api` scope, masked), a second job posts the review as ONE note, updated in place.
#     Merge requests from forks run in the fork and never see it; anyone who may push branches to this
#     project could read it, so give the bot nothing else. Protect this file with CODEOWNERS.
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH

stages: [check, review]

variables:
  GIT_DEPTH: "0"                  # full history: the baseline, check --since, item histories
  POLICYKIT_VERSION: "@VERSION@"

policykit-check:
  stage: check
  image: python:3.11
  timeout: 30 minutes
  variables:
    PIP_CACHE_DIR: "$CI_PROJECT_DIR/.cache/pip"
  # pip's downloads. Keep "Use separate caches for protected branches" on (Settings > CI/CD > General
  # pipelines; the default): merge-request pipelines then never write a cache the default branch restores
  cache:
    key: "pip-$POLICYKIT_VERSION"
    paths:
      - .cache/pip
  script:
    - python -m venv /tmp/pk
    - /tmp/pk/bin/pip install --quiet "policykit[site]==$POLICYKIT_VERSION"
    - mkdir -p report
    - |
      set -u
      status=0
      if [ -n "${CI_MERGE_REQUEST_DIFF_BASE_SHA:-}" ]; then
        base="$CI_MERGE_REQUEST_DIFF_BASE_SHA"
        git worktree add --detach /tmp/base "$base" > /dev/null
        rules=""
        if [ -d /tmp/base/rules ]; then rules="--rules /tmp/base/rules"; fi
        /tmp/pk/bin/policykit check $rules --baseline "$base" --since "$base" -f json -o report/policykit.json -q || status=$?
        if [ "$status" -gt 1 ]; then exit "$status"; fi
        /tmp/pk/bin/policykit check $rules --baseline "$base" --since "$base" -f sarif -o policykit.sarif -q || true
        /tmp/pk/bin/policykit check $rules --baseline "$base" -f gitlab -o gl-code-quality.json -q || true
        /tmp/pk/bin/policykit diff "$base" HEAD --problems report/policykit.json --full-output report/review-full.md -o report/review.md
      else
        # a push to the default branch fails only on the problems it introduced (the commit before it
        # is the baseline); the problems a city starts with are reported, not failed on
        baseline=""
        before="${CI_COMMIT_BEFORE_SHA:-}"
        if [ -n "$before" ] && [ "$before" != 0000000000000000000000000000000000000000 ] \
            && git cat-file -e "$before^{commit}" 2> /dev/null; then
          baseline="--baseline $before"
        fi
        /tmp/pk/bin/policykit check $baseline -f json -o report/policykit.json -q || status=$?
        if [ "$status" -gt 1 ]; then exit "$status"; fi
        /tmp/pk/bin/policykit check $baseline -f sarif -o policykit.sarif -q || true
        /tmp/pk/bin/policykit check $baseline -f gitlab -o gl-code-quality.json -q || true
      fi
      /tmp/pk/bin/policykit test
      exit "$status"
  artifacts:
    when: always
    expire_in: 1 week
    expose_as: policykit review
    paths:
      - report/
      - policykit.sarif
    reports:
      codequality: gl-code-quality.json

policykit-review-comment:
  stage: review
  image: python:3.11
  timeout: 10 minutes
  needs:
    - job: policykit-check
      artifacts: true
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event" && $POLICYKIT_REVIEW_TOKEN
      when: always
  script:
    - |
      python3 - <<'EOF'
      import json, os, re, urllib.parse, urllib.request
      api = os.environ["CI_API_V4_URL"]
      project = urllib.parse.quote(os.environ["CI_PROJECT_ID"], safe="")
      mr = os.environ["CI_MERGE_REQUEST_IID"]
      token = os.environ["POLICYKIT_REVIEW_TOKEN"]
      marker = "@MARKER@"

      def call(method, path, body=None):
          data = json.dumps(body).encode() if body is not None else None
          req = urllib.request.Request(api + path, data=data, method=method,
                                       headers={"PRIVATE-TOKEN": token, "Content-Type": "application/json"})
          with urllib.request.urlopen(req, timeout=30) as resp:
              return json.load(resp)

      with open("report/review.md", encoding="utf-8", errors="replace") as fh:
          text = fh.read(200_000)[:60_000]
      # mentions and references broken again (policykit did; the job that wrote the file ran the merge request)
      text = re.sub(r"(?<=[@#!])(?=\w)", "\u200b", text)
      body = {"body": marker + "\n" + text + "\n\n[完整审阅与 SARIF（CI 产物）](" + os.environ["CI_JOB_URL"] + ")\n"}
      me = call("GET", "/user")["id"]
      notes = f"/projects/{project}/merge_requests/{mr}/notes"
      page, mine = 1, None
      while mine is None:
          batch = call("GET", f"{notes}?per_page=100&page={page}&sort=asc")
          if not batch:
              break
          mine = next((n["id"] for n in batch if n["author"]["id"] == me and n["body"].startswith(marker)), None)
          page += 1
      if mine is None:
          call("POST", notes, body)
      else:
          call("PUT", f"{notes}/{mine}", body)
      EOF
"""

def _fill(text: str) -> str:
    return text.replace("@VERSION@", __version__).replace("@MARKER@", MARKER)


def ci_files(kind: str) -> dict[str, str]:
    """``{path relative to the repository: text}`` of the CI files for ``kind`` (``github`` or ``gitlab``)."""
    if kind == "github":
        return {".github/workflows/policykit.yml": _fill(GITHUB_WORKFLOW),
                ".github/workflows/policykit-review.yml": _fill(GITHUB_REVIEW)}
    if kind == "gitlab":
        return {".gitlab-ci.yml": _fill(GITLAB_CI)}
    raise UsageError(f"未知的 CI 平台「{kind}」，可用：{'、'.join(KINDS)} (unknown CI platform)")


def write_ci_files(directory, kind: str, *, force: bool = False) -> list[Path]:
    """Write the CI files of ``kind`` under ``directory``; the paths written. A file that exists with
    other content is not overwritten (``UsageError``, nothing written) unless ``force``; a link or a
    non-file on the way is refused."""
    from ..io.writing import write_files_atomically
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"{root}: 目录不存在 (no such directory)")
    root = root.resolve()
    files = ci_files(kind)
    mapping = {}
    for rel, text in files.items():
        path = root / rel
        for part in [*reversed(path.relative_to(root).parents), path.relative_to(root)]:
            here = root / part
            if here != root and here.is_symlink():
                raise UsageError(f"{here}: 是符号链接，不写入 (a symbolic link: not written)")
        if path.exists() and not path.is_file():
            raise UsageError(f"{path}: 不是普通文件 (not a regular file)")
        if path.is_file() and not force and path.read_bytes() != text.encode("utf-8"):
            raise UsageError(f"{path}: 已存在且内容不同；确认要替换时加 --force (exists with other content)")
        mapping[path] = text
    write_files_atomically(mapping)
    return sorted(mapping)
