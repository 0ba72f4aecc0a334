object Solution {
  private val Pairs = Map(')' -> '(', ']' -> '[', '}' -> '{')

  def isValid(s: String): Boolean = {
    val stack = s.foldLeft(Option(List.empty[Char])) {
      case (Some(open :: rest), c) if Pairs.get(c).contains(open) => Some(rest)
      case (Some(_), c) if Pairs.contains(c) => None
      case (Some(stack), c) => Some(c :: stack)
      case (None, _) => None
    }
    stack.contains(Nil)
  }
}
