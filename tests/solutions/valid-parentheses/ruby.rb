PAIRS = { ")" => "(", "]" => "[", "}" => "{" }.freeze

def is_valid(s)
  stack = []
  s.each_char do |char|
    if PAIRS.key?(char)
      return false unless stack.pop == PAIRS[char]
    else
      stack.push(char)
    end
  end
  stack.empty?
end
