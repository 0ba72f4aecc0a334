search() {
    local -a nums
    IFS=, read -ra nums <<< "${1//[][ ]/}"
    local target=$2 lo=0 hi=$((${#nums[@]} - 1)) mid
    while ((lo <= hi)); do
        mid=$(((lo + hi) / 2))
        if ((nums[mid] == target)); then
            echo "$mid"
            return
        elif ((nums[mid] < target)); then
            lo=$((mid + 1))
        else
            hi=$((mid - 1))
        fi
    done
    echo -1
}
