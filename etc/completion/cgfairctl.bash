# bash completion for cgfairctl(1). The commands come from cgfairctl
# itself (--list-commands), so that this file never lags behind it.
_cgfairctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--socket) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ $prev == --socket ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--socket --json --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" --list-commands 2>/dev/null) help" -- "$cur"))
		fi
		return
	fi
	case $cmd in
	limit)
		case $prev in
		--cpu | --memory | --tasks | --memory-high | --io-weight) return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--cpu --memory --tasks --memory-high --io-weight --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -u -- "$cur"))
		fi ;;
	status | penalty | release | forgive | limit-clear)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--help" -- "$cur"))
		elif ((i == COMP_CWORD - 1)); then
			COMPREPLY=($(compgen -u -- "$cur"))
		fi ;;
	report)
		case $prev in
		--since | --until) return ;;
		--user) COMPREPLY=($(compgen -u -- "$cur")); return ;;
		--by) COMPREPLY=($(compgen -W "user day hour" -- "$cur")); return ;;
		--plot) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		esac
		[[ $cur == -* ]] && COMPREPLY=($(compgen -W "--since --until --user --by --plot --help" -- "$cur")) ;;
	help)
		COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" --list-commands 2>/dev/null)" -- "$cur")) ;;
	*)
		[[ $cur == -* ]] && COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
	esac
}
complete -F _cgfairctl cgfairctl
