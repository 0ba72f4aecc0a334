is_valid() {
    local s=${1:1:-1} stack="" char i
    for ((i = 0; i < ${#s}; i++)); do
        char=${s:i:1}
        case $char in
            "(") stack+=")" ;;
            "[") stack+="]" ;;
            "{") stack+="}" ;;
            *)
                if [[ ${stack: -1} != "$char" || -z $stack ]]; then
                    echo false
                    return
                fi
                stack=${stack%?}
                ;;
        esac
    done
    [[ -z $stack ]] && echo true || echo false
}
