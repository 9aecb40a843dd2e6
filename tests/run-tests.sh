#!/usr/bin/env bash
# The project's test command (make test): every test, offline apart from the package registries.
#
#   tests/run-tests.sh [sanity|units|integration|lint|build-install|reliability|all] [extra ansible-test arguments]
#
# 1. a virtual environment with pinned ansible-core 2.19 and the test requirements (tests/venv.sh);
# 2. the checkout copied to $TMPDIR/ncloud-kms-test-*/ansible_collections/ncloud/kms, where ansible-test needs it;
# 3. ansible-test sanity (no ignore entries), units (client, module and emulator tests) and
#    integration (targets that start their own emulator), all with --local (no containers);
# 4. ansible-lint (production profile) on the collection and playbooks, antsibull-changelog lint;
# 5. build-install-run: the collection tarball installed into an empty path runs every playbook
#    twice against the emulator, changing something the first time and nothing the second.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
what="${1:-all}"
shift || true

bin="$("$repo/tests/venv.sh")"
export PATH="$bin:$PATH"
python_version="$("$bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

# ansible-test bootstraps pip in its own virtual environments with a downloaded get-pip script;
# that host is not reachable here, so an offline stand-in is put in its cache.
pip_version="$("$bin/python" - <<'PY'
import re, ansible_test, os
path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
print(re.search(r"pip='([0-9.]+)'", open(path).read()).group(1))
PY
)"
mkdir -p "$HOME/.ansible/test/cache"
cp "$repo/tests/utils/get_pip_standin.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"

# ansible-test must run from .../ansible_collections/ncloud/kms: copy the tracked and new files there.
# The copy lives outside the checkout: inside it, ansible-test would list files through the
# checkout's git and see none of the (git-ignored) copy.
test_root="${KMS_TEST_ROOT:-${TMPDIR:-/tmp}/ncloud-kms-test-$(printf '%s' "$repo" | sha256sum | cut -c1-12)}"
collection="$test_root/ansible_collections/ncloud/kms"
rm -rf "$collection"
mkdir -p "$collection"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$repo" ls-files -z --cached --others --exclude-standard \
        | (cd "$repo" && xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' ) \
        | (cd "$repo" && tar --null -T - -cf -) | tar -xf - -C "$collection"
else
    (cd "$repo" && tar --exclude=./.venv --exclude=./.tmp --exclude=./tests/output -cf - .) | tar -xf - -C "$collection"
fi
cd "$collection"

run_sanity() {
    ansible-test sanity --local --python "$python_version" --color no "$@"
}
run_units() {
    ansible-test units --local --python "$python_version" --requirements --color no "$@"
}
run_lint() {
    (cd "$repo" && ansible-lint --profile production && antsibull-changelog lint)
}
run_build_install() {
    DEMO_EXTRA_PLAYBOOKS=decommission.yml "$repo/tests/utils/demo.sh"
}
run_reliability() {
    # The reliability and security figures: faults survived, bad inputs rejected, secrets found.
    local log="$test_root/reliability.log"
    run_integration faults bad_input secrets reliability "$@" | tee "$log"
    echo
    echo "=== reliability and security figures ==="
    grep -o 'FIGURES [^"]*' "$log" | sed 's/^FIGURES //; s/\\"/"/g'
}
run_integration() {
    ansible-test integration --local --python "$python_version" --color no "$@"
}

case "$what" in
    sanity) run_sanity "$@" ;;
    units) run_units "$@" ;;
    integration) run_integration "$@" ;;
    lint) run_lint ;;
    build-install) run_build_install ;;
    reliability) run_reliability "$@" ;;
    all)
        run_sanity
        run_units
        run_integration
        run_lint
        run_build_install
        echo "all test stages passed: sanity, units, integration, lint, build-install-run"
        ;;
    *) echo "usage: $0 [sanity|units|integration|lint|build-install|reliability|all]" >&2; exit 2 ;;
esac
