# ncloud.kms: the commands a newcomer needs. Everything runs offline apart from the package registries.
.PHONY: demo emulator test test-matrix docs bench reliability sanity units integration lint build-install publish compat venv

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

bench:  ## API calls, per-task overhead, scaling, parallelism and latency, as ratios to a ping baseline
	"$$(tests/venv.sh)/python" tests/bench/bench.py

reliability:  ## faults, bad input, secrets and TLS tests, with the figures they measured
	tests/run-tests.sh reliability

sanity:
	tests/run-tests.sh sanity

units:
	tests/run-tests.sh units

integration:
	tests/run-tests.sh integration

lint:
	tests/run-tests.sh lint

build-install:
	tests/run-tests.sh build-install

publish:
	tests/run-tests.sh publish

compat:
	tests/run-tests.sh compat

venv:
	tests/venv.sh
