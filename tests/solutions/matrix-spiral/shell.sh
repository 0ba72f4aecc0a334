spiral_order() {
    local body=${1//[[:space:]]/}
    body=${body:1:-1} # "[1,2],[3,4]"
    if [[ -z $body ]]; then
        echo "[]"
        return
    fi
    local -a rows cells out
    IFS='|' read -ra rows <<< "${body//],[/|}"
    local rows_count=${#rows[@]} cols r c
    for ((r = 0; r < rows_count; r++)); do
        local -a row
        IFS=, read -ra row <<< "${rows[r]//[][]/}"
        cols=${#row[@]}
        for ((c = 0; c < cols; c++)); do cells[r * cols + c]=${row[c]}; done
    done
    local top=0 bottom=$((rows_count - 1)) left=0 right=$((cols - 1))
    while ((top <= bottom && left <= right)); do
        for ((c = left; c <= right; c++)); do out+=("${cells[top * cols + c]}"); done
        for ((r = top + 1; r <= bottom; r++)); do out+=("${cells[r * cols + right]}"); done
        if ((top < bottom && left < right)); then
            for ((c = right - 1; c >= left; c--)); do out+=("${cells[bottom * cols + c]}"); done
            for ((r = bottom - 1; r > top; r--)); do out+=("${cells[r * cols + left]}"); done
        fi
        top=$((top + 1)) bottom=$((bottom - 1)) left=$((left + 1)) right=$((right - 1))
    done
    local IFS=,
    echo "[${out[*]}]"
}
