trap() {
    local -a height
    IFS=, read -ra height <<< "${1//[][ ]/}"
    local left=0 right=$((${#height[@]} - 1)) left_max=0 right_max=0 water=0
    while ((left < right)); do
        if ((height[left] < height[right])); then
            ((height[left] > left_max)) && left_max=${height[left]}
            water=$((water + left_max - height[left])) left=$((left + 1))
        else
            ((height[right] > right_max)) && right_max=${height[right]}
            water=$((water + right_max - height[right])) right=$((right - 1))
        fi
    done
    echo "$water"
}
