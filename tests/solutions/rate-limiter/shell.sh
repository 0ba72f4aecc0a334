# Each client's allowed request times, space-separated, oldest first.
declare -gA RATE_LIMITER_TIMES=()
declare -g RATE_LIMITER_LIMIT=0 RATE_LIMITER_WINDOW=0

rate_limiter_init() {
    RATE_LIMITER_LIMIT=$1
    RATE_LIMITER_WINDOW=$2
    RATE_LIMITER_TIMES=()
}

# Succeeds (and records the request) when client may make a request at time now.
rate_limiter_allow() {
    local client=$1 now=$2 recent
    # Times are decimals: awk keeps those still inside the window.
    recent=$(awk -v now="$now" -v window="$RATE_LIMITER_WINDOW" \
        '{ for (i = 1; i <= NF; i++) if (now - $i < window) printf "%s ", $i }' \
        <<< "${RATE_LIMITER_TIMES[$client]-}")
    local -a times
    read -ra times <<< "$recent"
    RATE_LIMITER_TIMES[$client]=$recent
    ((${#times[@]} < RATE_LIMITER_LIMIT)) || return 1
    RATE_LIMITER_TIMES[$client]+="$now "
}
