# ncloud.kms: the commands a newcomer needs. Everything runs offline apart from the package registries.
.PHONY: test sanity units integration venv

test:  ## every test: sanity, unit, emulator and integration tests
	tests/run-tests.sh all

sanity:
	tests/run-tests.sh sanity

units:
	tests/run-tests.sh units

integration:
	tests/run-tests.sh integration

venv:
	tests/venv.sh
