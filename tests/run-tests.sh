#!/usr/bin/env bash
# The project's test command (make test): every test, offline apart from the package registries.
#
#   tests/run-tests.sh [STAGE] [extra ansible-test arguments]
#
# Stages:
#   sanity, units, integration   ansible-test with --local (no containers), from a copy of the checkout at
#                                $TMPDIR/.../ansible_collections/ncloud/kms (ansible-test needs that path)
#   lint                         ansible-lint (production profile) and antsibull-changelog lint
#   build-install                make demo plus playbooks/decommission.yml: the tarball installed into an empty
#                                path runs every playbook with --check, then twice against the emulator
#   publish                      antsibull-docs lint, galaxy-importer on the tarball, ansible-builder create
#   awx                          jobs as AWX runs them: ansible-runner with the credential type's injectors, navigator
#                                without containers, concurrent jobs (tests/awx/run_jobs.py)
#   compat-short                 make test's stage of the oldest and newest ansible-core of tests/matrix/versions.txt:
#                                sanity, ansible-doc of every plugin, the kms_key target's four steps
#                                (KMS_TEST_SCOPE=compat) and build-install, against the built collection
#   compat                       make compat: on the oldest and newest at once, against the built and installed
#                                collection, sanity, each playbook's --syntax-check and every integration target
#                                (longer than make test: about 2,500 CPU-seconds)
#   syntax-check                 ansible-playbook --syntax-check of every playbook in playbooks/
#   reliability                  the faults target with 3 seeds, the reliability target (transport, TLS, 20 forks,
#                                secrets scans) and the bad-input unit cases, with their figures
#   eda                          the shipped rulebooks run by ansible-rulebook (Java 17 installed from Debian's packages
#                                when missing) against the emulator: a protected key's deletion cancelled, a rotated
#                                key's files renewed (tests/eda/run_rulebooks.sh)
#   docs-steps                   the guides' steps: every code block marked ".. step:" in docs/docsite/rst, page by
#                                page, against an emulator on port 8080, as a reader runs them (tests/utils/doc_steps.sh)
#   release-checks               lint, publish, make docs, the site in headless Chromium and awx, one after the other
#                                (a lane of make test)
#   guides-and-events            docs-steps, then eda (a lane of make test)
#   all                          make test, in lanes at once (CI has 2 cores): sanity, units, the role targets and
#                                build-install in the foreground; beside them the script targets, the key-management
#                                targets (kms_key, _migrate, _rotate, _version), the release checks (lint, publish,
#                                awx), the guides' steps and the rulebooks, and the compat stage of the oldest and of
#                                the newest ansible-core, each into
#                                .tmp/lanes/<lane>.log, printed when it ends
#   matrix                       sanity, units and integration on every row of tests/matrix/versions.txt
#                                (KMS_MATRIX_ROWS="2.17.14 2.18.19" runs only those rows)
#
# Environment: KMS_CORE and KMS_PYTHON run sanity/units/integration/build-install on that matrix row (its own
# virtual environment) instead of the main one (ansible-core 2.19, tests/requirements.txt); KMS_FROM_TARBALL=1
# tests the built and installed collection instead of a copy of the checkout.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
what="${1:-all}"
script_start=$(date +%s)
shift || true
timings=()

if [ -n "${KMS_CORE:-}" ]; then
    bin="$("$repo/tests/venv.sh" row "$KMS_CORE" "$KMS_PYTHON")"
else
    bin="$("$repo/tests/venv.sh")"
fi
export PATH="$bin:$PATH"
python_version="$("$bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
core_version="$("$bin/python" -c 'import ansible; print(ansible.__version__)' 2>/dev/null || "$bin/ansible" --version | sed -n '1s/.*core \([0-9.]*\).*/\1/p')"

test_root_base="${TMPDIR:-/tmp}/ncloud-kms-test-$(printf '%s' "$repo" | sha256sum | cut -c1-12)-$core_version"

# ansible-test bootstraps pip in its own virtual environments with a downloaded get-pip script;
# that host is not reachable here, so an offline stand-in is put in its cache.
seed_get_pip() {
    local pip_version
    pip_version="$("$bin/python" - <<'PY'
import re, ansible_test, os
path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
print(re.search(r"pip='([0-9.]+)'", open(path).read()).group(1))
PY
)"
    mkdir -p "$HOME/.ansible/test/cache"
    cp "$repo/tests/utils/get_pip_standin.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
}

# ansible-test makes one SSH key pair for all its runs (~/.ansible/test/id_rsa) when it finds none. Two lanes that
# start on a machine without it both make it, and the second ssh-keygen stops at "Overwrite (y/n)?" and fails its
# lane. make test makes the pair before it starts the lanes, as ansible-test would (core_ci.SshKey).
ensure_ansible_test_ssh_key() {
    local key="$HOME/.ansible/test/id_rsa"
    if [ -f "$key" ] && [ -f "$key.pub" ]; then return 0; fi
    mkdir -p "$(dirname "$key")"
    rm -f "$key" "$key.pub"
    ssh-keygen -m PEM -q -t rsa -N '' -f "$key"
    # ansible-test's own rewrite of newer ssh-keygen's PEM header, which paramiko does not read
    sed -i -E 's/(BEGIN|END) PRIVATE KEY/\1 RSA PRIVATE KEY/' "$key"
}

# ansible-test must run from .../ansible_collections/ncloud/kms. The copy lives outside the checkout: inside it,
# ansible-test would list files through the checkout's git and see none of the (git-ignored) copy.
prepare_collection() {
    test_root="${KMS_TEST_ROOT:-$test_root_base}"
    collection="$test_root/ansible_collections/ncloud/kms"
    rm -rf "$collection"
    mkdir -p "$collection"
    if [ "${KMS_FROM_TARBALL:-0}" = 1 ]; then
        rm -rf "$test_root/build" && mkdir -p "$test_root/build"
        ansible-galaxy collection build "$repo" --output-path "$test_root/build" --force >/dev/null
        rm -rf "$collection"
        ANSIBLE_COLLECTIONS_PATH="$test_root" ansible-galaxy collection install "$test_root"/build/ncloud-kms-*.tar.gz \
            -p "$test_root" --force >/dev/null
    elif git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$repo" ls-files -z --cached --others --exclude-standard \
            | (cd "$repo" && xargs -0 -I{} sh -c 'if test -e "{}"; then printf "%s\0" "{}"; fi' ) \
            | (cd "$repo" && tar --null -T - -cf -) | tar -xf - -C "$collection"
    else
        (cd "$repo" && tar --exclude=./.venvs --exclude=./.tmp --exclude=./tests/output -cf - .) | tar -xf - -C "$collection"
    fi
}

cpu_s() {
    # CPU seconds (user + system) of process $1 and of its finished children and their descendants.
    awk -v tick="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%d", ($12 + $13 + $14 + $15) / tick}' "/proc/$1/stat"
}

timed() {
    # Run one stage and remember how long it took: wall time, and the CPU time of its processes (the lanes share the
    # cores, so the CPU time says which stage costs the most). The stage runs in a subshell, whose children are the
    # stage's processes only: this shell also reaps the lanes beside it.
    local name="$1" start cpu_file
    shift
    start=$(date +%s)
    cpu_file="$(mktemp)"
    ( "$@"; cpu_s "$BASHPID" >"$cpu_file" )
    timings+=("$(printf '%-44s %5ds  cpu %5ds' "$name" $(( $(date +%s) - start )) "$(cat "$cpu_file")")")
    rm -f "$cpu_file"
}

print_timings() {
    echo
    echo "=== stage times (make test from a fresh clone: under 35 minutes on CI's 2 cores) ==="
    printf '%s\n' "${timings[@]}"
}

run_sanity() {
    (cd "$collection" && ansible-test sanity --local --python "$python_version" --color no "$@")
}
run_units() {
    if [ "${1:-}" = -k ]; then
        # One pattern (make units K=...): pytest itself, from the collection copy; ansible-test units has no -k.
        (cd "$collection" && PYTHONPATH="$test_root" "$bin/python" -m pytest -p no:cacheprovider -q tests/unit "$@")
        return
    fi
    (cd "$collection" && ansible-test units --local --python "$python_version" --requirements --color no "$@")
}
run_integration() {
    # One emulator for every role target, its endpoints and credentials in ansible-test's integration_config.yml;
    # the script targets (variants, faults, reliability) start emulators of their own.
    (cd "$collection" && KMS_EMULATOR_PYTHON="$bin/python" tests/emulator/with-emulator.sh \
        tests/emulator/integration-config.sh tests/integration/integration_config.yml \
        ansible-test integration --local --python "$python_version" --color no "$@")
}
run_lint() {
    (cd "$repo" && ansible-lint --profile production && antsibull-changelog lint)
}
run_build_install() {
    # make demo plus decommission.yml. Its standard error may hold no Python warning ("file:line: ...Warning: ..."):
    # demo.sh filters the one that ansible-core's dependencies print, and any other is a finding for a newcomer.
    local errors
    errors="$(mktemp)"
    { DEMO_EXTRA_PLAYBOOKS=decommission.yml "$repo/tests/utils/demo.sh" 2>&1 1>&3 | tee "$errors" >&2; } 3>&1
    if grep -E '^[^ ]+:[0-9]+: [A-Za-z]*Warning: ' "$errors" >&2; then
        echo "FAIL: make demo printed the Python warnings above" >&2
        rm -f "$errors"
        return 1
    fi
    rm -f "$errors"
}
run_publish() {
    "$repo/tests/utils/publish-checks.sh"
}
run_awx() {
    "$repo/tests/awx/jobs.sh"
}
run_reliability() {
    # The reliability and security figures: faults survived, bad inputs rejected, secrets found.
    local log="$test_root/reliability.log"
    mkdir -p "$collection/tests/output" && echo "11 22 33" >"$collection/tests/output/fault-seeds"
    run_integration faults reliability "$@" | tee "$log"
    run_units -k bad_input_fails_before_any_request | tee "$test_root/bad-input.log"
    echo
    echo "=== reliability and security figures ==="
    grep -o 'FIGURES [^"]*' "$log" | sed 's/^FIGURES //; s/\\"/"/g'
    echo "bad input: $(grep -Eo '[0-9]+ passed' "$test_root/bad-input.log" | tail -1) unit cases, each failing before any request"
}

matrix_rows() {
    # "core python role" for each row of the version table; KMS_MATRIX_ROWS="2.17.14 2.18.19" keeps only those.
    grep -v '^#' "$repo/tests/matrix/versions.txt" | awk -v only=" ${KMS_MATRIX_ROWS:-} " \
        'NF == 3 && (only == "  " || index(only, " " $1 " ")) {print $1, $2, $3}'
}

run_compat_short() {
    # make test's stage of the oldest and newest supported ansible-core, each on its own Python, against the built
    # collection (make compat runs every target there).
    local core py role
    while read -r core py role; do
        [ "$role" = oldest ] || [ "$role" = newest ] || continue
        timed "compat $core sanity (py$py)" env KMS_CORE="$core" KMS_PYTHON="$py" KMS_FROM_TARBALL=1 "$0" sanity
        timed "compat $core ansible-doc (py$py)" env KMS_CORE="$core" KMS_PYTHON="$py" KMS_FROM_TARBALL=1 "$0" ansible-doc
        # kms_key's four steps of every option (check mode, change, idempotent check, idempotent); the demo that
        # follows runs every module, changed and then unchanged, on the same ansible-core.
        timed "compat $core kms_key four steps (py$py)" env KMS_CORE="$core" KMS_PYTHON="$py" KMS_FROM_TARBALL=1 \
            KMS_TEST_SCOPE=compat "$0" integration kms_key
        timed "compat $core build-install-run (py$py)" env KMS_DEMO_CORE="$core" KMS_DEMO_PYTHON="$py" "$0" build-install
    done < <(matrix_rows)
}

run_compat() {
    # make compat: every integration target, sanity and each playbook's --syntax-check on the oldest and on the newest
    # ansible-core, against the built and installed collection. The two rows run at once, each into
    # .tmp/compat/<core>.log, printed when it ends.
    local core py role failed=0
    lane_dir="$repo/.tmp/compat"
    mkdir -p "$lane_dir"
    trap stop_lanes EXIT
    ensure_ansible_test_ssh_key
    while read -r core py role; do
        [ "$role" = oldest ] || [ "$role" = newest ] || continue
        start_lane "$core" compat_row "$core" "$py"
    done < <(matrix_rows)
    wait_lanes || failed=1
    trap - EXIT
    return "$failed"
}

compat_row() {
    local core="$1" py="$2"
    local row=(env KMS_CORE="$core" KMS_PYTHON="$py" KMS_FROM_TARBALL=1)
    timed "compat $core sanity (py$py)" "${row[@]}" "$0" sanity
    timed "compat $core playbooks --syntax-check (py$py)" "${row[@]}" "$0" syntax-check
    timed "compat $core every integration target (py$py)" "${row[@]}" "$0" integration
    print_timings
}

run_syntax_check() {
    # Every playbook parses on this ansible-core, with the collection of this test root.
    local playbook
    for playbook in "$collection"/playbooks/*.yml; do
        ANSIBLE_COLLECTIONS_PATH="$test_root" ansible-playbook --syntax-check -i localhost, "$playbook" >/dev/null
        echo "ansible-playbook --syntax-check $(basename "$playbook"): ok ($core_version)"
    done
}

run_ansible_doc() {
    # Every plugin's documentation renders with this ansible-core.
    local path plugin
    for path in "$collection"/plugins/modules/*.py; do
        plugin="$(basename "$path" .py)"
        ANSIBLE_COLLECTIONS_PATH="$test_root" ansible-doc "ncloud.kms.$plugin" >/dev/null
        echo "ansible-doc ncloud.kms.$plugin: ok ($core_version)"
    done
    for kind in lookup vars; do
        for path in "$collection/plugins/$kind"/*.py; do
            [ -e "$path" ] || continue
            plugin="$(basename "$path" .py)"
            ANSIBLE_COLLECTIONS_PATH="$test_root" ansible-doc -t "$kind" "ncloud.kms.$plugin" >/dev/null
            echo "ansible-doc -t $kind ncloud.kms.$plugin: ok ($core_version)"
        done
    done
}

run_matrix() {
    # Every row: sanity, units, integration, each timed; a table at the end. Goes on after a failure.
    local core py role stage start status table=() failed=0
    while read -r core py role; do
        for stage in sanity units integration; do
            start=$(date +%s)
            if env KMS_CORE="$core" KMS_PYTHON="$py" KMS_FROM_TARBALL=1 "$0" "$stage" \
                    >"$repo/.tmp/matrix/$core-$stage.log" 2>&1; then
                status=pass
            else
                status=FAIL
                failed=1
            fi
            table+=("$(printf '| %-8s | %-6s | %-11s | %-4s | %5ds |' "$core" "$py" "$stage" "$status" $(( $(date +%s) - start )))")
            echo "${table[-1]}"
        done
    done < <(matrix_rows)
    echo
    echo "make test-matrix, $(date -u +%Y-%m-%d), logs in .tmp/matrix/"
    echo "| ansible-core | python | stage | result | time |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${table[@]}"
    return "$failed"
}

kill_tree() {
    # Stop a process and everything it started, the children first.
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        kill_tree "$child"
    done
    kill "$1" 2>/dev/null || true
}

stop_lanes() {
    local pid
    for pid in "${lane_pids[@]}"; do
        kill_tree "$pid"
    done
}

# Lanes: commands that run beside this shell, each into $lane_dir/<lane>.log, whose last line says when the lane
# ended (seconds from the start) and its CPU time. make test and make compat run theirs.
lane_names=() lane_pids=() lane_dir="$repo/.tmp/lanes"

start_lane() {
    local lane="$1"
    shift
    (
        lane_shell=$BASHPID  # this subshell (inside $(...) below, BASHPID would be that of the substitution)
        status=0
        "$@" || status=$?
        printf '%-44s %5ds  cpu %5ds\n' "lane $lane" $(( $(date +%s) - script_start )) "$(cpu_s "$lane_shell")"
        exit "$status"
    ) >"$lane_dir/$lane.log" 2>&1 &
    lane_pids+=("$!")
    lane_names+=("$lane")
    echo ">>> lane $lane runs beside this one, into ${lane_dir#"$repo"/}/$lane.log"
}

wait_lanes() {
    # Wait for each lane in the order they started and print its log whole; fails when any lane failed.
    local index name status failed=0
    for index in "${!lane_pids[@]}"; do
        name="${lane_names[$index]}"
        status=0
        wait "${lane_pids[$index]}" || status=$?
        echo
        echo "=== lane $name (exit $status), ${lane_dir#"$repo"/}/$name.log ==="
        cat "$lane_dir/$name.log"
        if [ "$status" != 0 ]; then
            echo "FAIL: lane $name failed with status $status; its log is above" >&2
            failed=1
        fi
    done
    return "$failed"
}

run_all() {
    # make test: lanes at once, so that both cores of CI's 2-core machine stay busy until the end. In the foreground:
    # sanity, units, the role targets and build-install on the main ansible-core. Beside it, each into
    # .tmp/lanes/<lane>.log (printed whole when it ends): the script targets (faults, reliability, variants: much of
    # their time is waiting on timeouts and retries), the key-management role targets (about half of the role targets'
    # time, with their own emulator), the release checks (lint, publish, AWX jobs), the guides' steps and the
    # rulebooks (guides-and-events) and the compat stage of the oldest and of the newest ansible-core. The lanes are sized by their CPU time (the stage times print it), so that no
    # lane runs on alone for long once the others are done.
    local scripts=(faults reliability variants) role_lane=(kms_key kms_key_migrate kms_key_rotate kms_key_version)
    local excluded=() core py role failed=0 lane_end target
    mkdir -p "$lane_dir"
    # A failing foreground lane ends make test; the lanes beside it must not run on without it.
    trap stop_lanes EXIT
    ensure_ansible_test_ssh_key
    start_lane scripts env KMS_TEST_ROOT="$test_root_base-scripts" "$0" integration "${scripts[@]}"
    start_lane roles env KMS_TEST_ROOT="$test_root_base-roles" "$0" integration "${role_lane[@]}"
    start_lane release "$0" release-checks
    start_lane guides-and-events "$0" guides-and-events
    while read -r core py role; do
        [ "$role" = oldest ] || [ "$role" = newest ] || continue
        start_lane "compat-$core" env KMS_MATRIX_ROWS="$core" "$0" compat-short
    done < <(matrix_rows)
    seed_get_pip
    prepare_collection
    timed "sanity (ansible-core $core_version, py$python_version)" run_sanity
    timed "units" run_units
    for target in "${scripts[@]}" "${role_lane[@]}"; do
        excluded+=(--exclude "$target")
    done
    timed "integration: role targets (not those of the roles lane)" run_integration "${excluded[@]}"
    timed "build-install-run" run_build_install
    lane_end=$(date +%s)
    wait_lanes || failed=1
    trap - EXIT
    timings+=("$(printf '%-44s %5ds' "the foreground waited for the other lanes" $(( $(date +%s) - lane_end )))")
    # each lane's last line: when it ended (seconds from the start) and its CPU time
    mapfile -t -O "${#timings[@]}" timings < <(tail -qn1 "$repo"/.tmp/lanes/*.log)
    timings+=("$(printf '%-44s %5ds  cpu %5ds' "make test in all (virtual environments too)" $(( $(date +%s) - script_start )) \
        "$(cpu_s $$)")")
    print_timings
    grep -h -A20 '^=== stage times' "$repo"/.tmp/lanes/release.log "$repo"/.tmp/lanes/guides-and-events.log \
        "$repo"/.tmp/lanes/compat-*.log \
        | grep -v '^===\|^--$\|^lane ' || true
    [ "$failed" = 0 ] || return 1
    echo "all test stages passed: sanity, units, integration, lint, build-install-run, publish, AWX jobs, the guides' steps, Event-Driven Ansible, compat (oldest and newest)"
}

case "$what" in
    sanity|units|integration|ansible-doc|syntax-check|reliability)
        seed_get_pip
        prepare_collection
        case "$what" in
            sanity) run_sanity "$@" ;;
            units) run_units "$@" ;;
            integration) run_integration "$@" ;;
            ansible-doc) run_ansible_doc ;;
            syntax-check) run_syntax_check ;;
            reliability) run_reliability "$@" ;;
        esac
        ;;
    lint) run_lint ;;
    build-install) run_build_install ;;
    publish) run_publish ;;
    awx) run_awx ;;
    release-checks)
        timed "lint" run_lint
        timed "publish checks" run_publish
        timed "documentation site (make docs: guides and plugin pages, no warning)" "$repo/tests/utils/docs.sh"
        timed "the site in headless Chromium (every page, links, screenshots)" "$repo/tests/utils/site-check.sh"
        timed "AWX jobs (ansible-runner, navigator, concurrent jobs)" run_awx
        print_timings
        ;;
    guides-and-events)
        timed "the guides' steps (every block marked .. step:, against the emulator)" "$repo/tests/utils/doc_steps.sh"
        timed "Event-Driven Ansible: the shipped rulebooks in ansible-rulebook" "$repo/tests/eda/run_rulebooks.sh"
        print_timings
        ;;
    eda) "$repo/tests/eda/run_rulebooks.sh" ;;
    docs-steps) "$repo/tests/utils/doc_steps.sh" "$@" ;;
    compat-short) run_compat_short; print_timings ;;
    compat) run_compat ;;
    matrix) mkdir -p "$repo/.tmp/matrix"; run_matrix ;;
    all) run_all ;;
    *) echo "usage: $0 [sanity|units|integration|lint|build-install|publish|awx|eda|docs-steps|release-checks|guides-and-events|compat-short|compat|ansible-doc|syntax-check|reliability|matrix|all]" >&2
       exit 2 ;;
esac
