# The cache lives in globals: values by key, and the keys from least to most recently used.
declare -gA LRU_VALUES=()
declare -ga LRU_ORDER=()
declare -g LRU_CAPACITY=0

lru_cache_init() {
    LRU_CAPACITY=$1
    LRU_VALUES=()
    LRU_ORDER=()
}

# Moves key to the most recently used end of LRU_ORDER.
lru_cache_touch() {
    local key=$1 k
    local -a kept=()
    for k in "${LRU_ORDER[@]}"; do
        [[ $k != "$key" ]] && kept+=("$k")
    done
    LRU_ORDER=("${kept[@]}" "$key")
}

lru_cache_get() {
    if [[ -z ${LRU_VALUES[$1]+set} ]]; then
        REPLY=-1
        return
    fi
    lru_cache_touch "$1"
    REPLY=${LRU_VALUES[$1]}
}

lru_cache_put() {
    LRU_VALUES[$1]=$2
    lru_cache_touch "$1"
    if ((${#LRU_ORDER[@]} > LRU_CAPACITY)); then
        unset "LRU_VALUES[${LRU_ORDER[0]}]"
        LRU_ORDER=("${LRU_ORDER[@]:1}")
    fi
}
