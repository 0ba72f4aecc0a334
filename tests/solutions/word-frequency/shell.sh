top_words() {
    local text=${1:1:-1} k=$2 word out=""
    while read -r _ word; do
        out+="${out:+,}\"$word\""
    done < <(tr -cs 'A-Za-z' '\n' <<< "$text" | tr 'A-Z' 'a-z' | awk NF |
        LC_ALL=C sort | uniq -c | LC_ALL=C sort -k1,1nr -k2,2 | head -n "$k")
    echo "[$out]"
}
