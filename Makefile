# ncloud.kms: the commands a newcomer needs. Everything runs offline apart from the package registries.
# `make help` lists them. T= and K= pick one piece: make integration T=kms_key, make units K=rotate.
.PHONY: help clean demo emulator test test-matrix docs docs-steps bench reliability sanity units integration lint build-install \
	publish awx compat venv
.DEFAULT_GOAL := help

help:  ## list the targets, one line each
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-15s %s\n", $$1, $$2}'

demo:  ## build and install the collection, run the playbooks twice against the embedded emulator
	tests/utils/demo.sh

emulator:  ## start the KMS emulator on 127.0.0.1:8080-8082 for your own playbooks; prints the export lines
	tests/utils/emulator.sh

test:  ## every test: sanity, units, integration, lint, build-install-run, publishing checks, oldest and newest ansible-core
	tests/run-tests.sh all

test-matrix:  ## sanity, units and integration on every supported ansible-core (2.16 to 2.21), with a table of results
	tests/run-tests.sh matrix

docs:  ## the collection's HTML documentation (antsibull-docs + Sphinx) in docs/build/html
	tests/utils/docs.sh

docs-steps:  ## run the guides' steps (code blocks marked .. step:) against an emulator on port 8080
	tests/utils/doc_steps.sh

bench:  ## API calls, per-task overhead, scaling, parallelism, latency, group_vars secrets, instructions, kms_keys; ratios to ping
	"$$(tests/venv.sh)/python" tests/bench/bench.py

reliability:  ## faults with 3 seeds, transport, TLS, 20 forks, secrets scans and bad input, with their figures
	tests/run-tests.sh reliability

sanity:  ## ansible-test sanity (no ignore entries)
	tests/run-tests.sh sanity

units:  ## ansible-test units; K=<pattern> runs the tests whose names match (pytest -k)
	tests/run-tests.sh units $(if $(K),-k '$(K)')

integration:  ## ansible-test integration against the emulator; T=<target> runs one target (e.g. T=kms_key)
	tests/run-tests.sh integration $(T)

lint:  ## ansible-lint (production profile) and antsibull-changelog lint
	tests/run-tests.sh lint

build-install:  ## build the tarball, install it into an empty path and run every playbook (make demo + decommission)
	tests/run-tests.sh build-install

publish:  ## antsibull-docs lint, galaxy-importer and ansible-builder create on the built collection
	tests/run-tests.sh publish

awx:  ## jobs as AWX/AAP runs them: ansible-runner with the credential type, navigator --ee false, concurrent jobs
	tests/run-tests.sh awx

compat:  ## every integration target, sanity and the playbooks' syntax check on the oldest and newest ansible-core
	tests/run-tests.sh compat

venv:  ## create or refresh the test tools' virtual environment (.venvs/test) and print its bin folder
	tests/venv.sh

clean:  ## remove the virtual environments (.venvs, about 700 MB after make test), build and test output
	rm -rf .venvs .tmp tests/output docs/build ncloud-kms-*.tar.gz
