# ncloud.kms: the commands a newcomer needs. Everything runs offline apart from the package registries.
.PHONY: demo emulator test bench reliability sanity units integration lint build-install venv

demo:  ## build and install the collection, run the playbooks twice against the embedded emulator
	tests/utils/demo.sh

emulator:  ## start the KMS emulator on 127.0.0.1:8080-8082 for your own playbooks; prints the export lines
	tests/utils/emulator.sh

test:  ## every test: sanity, unit, emulator and integration tests
	tests/run-tests.sh all

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

venv:
	tests/venv.sh
