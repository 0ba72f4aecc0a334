fun topWords(text: String, k: Int): Array<String> {
    val counts = Regex("[A-Za-z]+").findAll(text)
        .groupingBy { it.value.toLowerCase() }
        .eachCount()
    return counts.keys
        .sortedWith(compareByDescending<String> { counts.getValue(it) }.thenBy { it })
        .take(k)
        .toTypedArray()
}
