min_distance() {
    local a=${1:1:-1} b=${2:1:-1} # the JSON strings without their quotes
    local -a row previous
    local i j
    for ((j = 0; j <= ${#b}; j++)); do row[j]=$j; done
    for ((i = 1; i <= ${#a}; i++)); do
        previous=("${row[@]}")
        row[0]=$i
        for ((j = 1; j <= ${#b}; j++)); do
            local best=${previous[j - 1]}
            [[ ${a:i-1:1} != "${b:j-1:1}" ]] && best=$((best + 1))
            ((previous[j] + 1 < best)) && best=$((previous[j] + 1))
            ((row[j - 1] + 1 < best)) && best=$((row[j - 1] + 1))
            row[j]=$best
        done
    done
    echo "${row[${#b}]}"
}
