merge() {
    local body=${1//[[:space:]]/}
    body=${body:1:-1} # "[1,3],[2,6]"
    local start end merged="" current_start="" current_end=""
    while IFS=, read -r start end; do
        [[ -z $start ]] && continue
        if [[ -n $current_start ]] && ((start <= current_end)); then
            ((end > current_end)) && current_end=$end
        else
            [[ -n $current_start ]] && merged+="${merged:+,}[$current_start,$current_end]"
            current_start=$start
            current_end=$end
        fi
    done < <(sed 's/\],\[/\n/g; s/[][]//g' <<< "$body" | sort -t, -k1,1n)
    [[ -n $current_start ]] && merged+="${merged:+,}[$current_start,$current_end]"
    echo "[$merged]"
}
