fun isValid(s: String): Boolean {
    val closing = mapOf(')' to '(', ']' to '[', '}' to '{')
    val stack = ArrayList<Char>()
    for (c in s) {
        val open = closing[c]
        if (open == null) {
            stack.add(c)
        } else if (stack.isEmpty() || stack.removeAt(stack.size - 1) != open) {
            return false
        }
    }
    return stack.isEmpty()
}
