two_sum() {
    local -a nums
    IFS=, read -ra nums <<< "${1//[][ ]/}"
    local target=$2 j
    local -A seen=()
    for j in "${!nums[@]}"; do
        local want=$((target - nums[j]))
        if [[ -n ${seen[$want]+set} ]]; then
            echo "[${seen[$want]},$j]"
            return
        fi
        seen[${nums[j]}]=$j
    done
    echo "[]"
}
