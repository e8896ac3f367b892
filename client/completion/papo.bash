# Bash completion for papo and papo-admin: subcommands, options, user and topic names.
#   source client/completion/papo.bash      (scripts/run.sh installs it when it can)
# Commands and options are read from the programs' own --help, so they cannot drift
# from the code. Names are asked from papo-server with the options already typed
# (--broker, --user, --password-file, ...), never prompting: without a password source
# there are no name completions, only commands and options.

# The words of `help` that start with two spaces and a command name.
_papo_commands_of() {
    "$1" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | sort -u
}

_papo_options_of() {
    "$1" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

# The options that take a value, long and short, as the Options section of --help
# lists them (Boost: "-b [ --broker ] arg", "--color WHEN"): its words are skipped when
# looking for the command and its first argument.
_papo_valued_options_of() {
    "$1" --help 2>/dev/null | sed -n -E 's/^  (-([a-z]) \[ )?--([a-z-]+)( \])? (arg|[A-Z]+).*/--\3 -\2/p' | tr ' ' '\n' | grep -v '^-$'
}

# Whether $1 is one of the valued options in $_papo_valued (one per line).
_papo_takes_value() {
    [[ $'\n'"$_papo_valued"$'\n' == *$'\n'"$1"$'\n'* ]]
}

# Files are the values of these; the other valued options take free text.
_papo_file_options="--password-file --new-password-file --ca-file --state-dir --config"

# The options typed so far that say where and who (passed on to a name lookup).
_papo_login_words() {
    local i=1 out=()
    while ((i < COMP_CWORD)); do
        case "${COMP_WORDS[i]}" in
            --broker | -b | --user | -u | --password-file | --ca-file | --state-dir | --profile | --config)
                out+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}")
                ((i += 2))
                continue
                ;;
            --broker=* | --user=* | --password-file=* | --ca-file=* | --state-dir=* | --profile=* | --config=*)
                out+=("${COMP_WORDS[i]}")
                ;;
        esac
        ((i++))
    done
    ((${#out[@]})) && printf '%s\n' "${out[@]}"
}

# "name" fields of the JSON lines a listing prints.
_papo_names_from_json() {
    grep -o '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'
}

# When $1 (the word before the cursor) takes a value: files for the file options,
# nothing to offer for the others. True when the word being typed is such a value.
_papo_value_of() {
    _papo_takes_value "$1" || return 1
    [[ " $_papo_file_options " == *" $1 "* ]] && COMPREPLY=($(compgen -f -- "$cur"))
    return 0
}

# The command word (first word that is not an option or an option's value) and its index.
_papo_find_command() {
    local i=1
    _papo_cmd="" _papo_cmd_at=0
    while ((i < COMP_CWORD)); do
        case "${COMP_WORDS[i]}" in
            -*=*) ;;
            -*)
                if _papo_takes_value "${COMP_WORDS[i]}"; then
                    ((i += 2))
                    continue
                fi
                ;;
            *)
                _papo_cmd="${COMP_WORDS[i]}"
                _papo_cmd_at=$i
                return
                ;;
        esac
        ((i++))
    done
}

_papo() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD - 1]}" program="${COMP_WORDS[0]}"
    COMPREPLY=()
    _papo_valued="$(_papo_valued_options_of "$program")"
    if [[ "$prev" == --color ]]; then
        COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
        return
    fi
    _papo_value_of "$prev" && return
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_papo_options_of "$program")" -- "$cur"))
        return
    fi
    _papo_find_command
    if [[ -z "$_papo_cmd" ]]; then
        COMPREPLY=($(compgen -W "$(_papo_commands_of "$program")" -- "$cur"))
        return
    fi
    # Only the first argument after the command is a name (options may come between).
    local i=$((_papo_cmd_at + 1))
    while ((i < COMP_CWORD)); do
        case "${COMP_WORDS[i]}" in
            -*=*) ;;
            -*) _papo_takes_value "${COMP_WORDS[i]}" && ((i++)) ;;  # and its value
            *) return ;;
        esac
        ((i++))
    done
    local listing
    case "$_papo_cmd" in
        send) listing=who ;;
        post | join | leave) listing=topics ;;
        help) COMPREPLY=($(compgen -W "$(_papo_commands_of "$program")" -- "$cur")) && return ;;
        history) listing=history ;;
        *) return ;;
    esac
    local login
    mapfile -t login < <(_papo_login_words)
    if [[ $listing == history ]]; then  # USER or #TOPIC
        local names
        names="$(timeout 3 "$program" "${login[@]}" --timeout 2 --json who </dev/null 2>/dev/null | _papo_names_from_json)"
        names+=$'\n'"$(timeout 3 "$program" "${login[@]}" --timeout 2 --json topics </dev/null 2>/dev/null |
            _papo_names_from_json | sed 's/^/#/')"
        COMPREPLY=($(compgen -W "$names" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -W "$(timeout 3 "$program" "${login[@]}" --timeout 2 --json "$listing" </dev/null 2>/dev/null |
        _papo_names_from_json)" -- "$cur"))
}

_papo_admin() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD - 1]}" program="${COMP_WORDS[0]}"
    COMPREPLY=()
    _papo_valued="$(_papo_valued_options_of "$program")"
    _papo_value_of "$prev" && return
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_papo_options_of "$program")" -- "$cur"))
        return
    fi
    _papo_find_command
    if [[ -z "$_papo_cmd" ]]; then
        COMPREPLY=($(compgen -W "$(_papo_commands_of "$program")" -- "$cur"))
        return
    fi
    local group="$_papo_cmd" at=$_papo_cmd_at
    if ((COMP_CWORD == at + 1)); then
        # The commands of this group, as its help lists them ("  users  add NAME ...").
        COMPREPLY=($(compgen -W "$("$program" --help 2>/dev/null | sed -n "s/^  $group  *\([a-z]*\) .*/\1/p")" -- "$cur"))
        return
    fi
    ((COMP_CWORD == at + 2)) || return
    case "${COMP_WORDS[at + 1]}" in
        rm | passwd | purge) ;;
        *) return ;;
    esac
    local login
    mapfile -t login < <(_papo_login_words)
    COMPREPLY=($(compgen -W "$(timeout 3 "$program" "${login[@]}" --timeout 2 --json "$group" ls </dev/null 2>/dev/null |
        _papo_names_from_json)" -- "$cur"))
}

complete -F _papo papo
complete -F _papo_admin papo-admin
