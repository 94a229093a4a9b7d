# Mutation check (tests/mutants/README.md): every patch in tests/mutants/
# is a bug the suite must catch. Not part of `make check` (one rebuild and
# one tier run per mutant). MUTANTS="a b" runs only those.
.PHONY: mutants
mutants:
	sh tests/mutants/run.sh

# Seconds: does every mutant still apply to this tree (after a rebase)?
.PHONY: mutants-check
mutants-check:
	sh tests/mutants/run.sh --check
