import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

class Solution {
    private static final Pattern WORD = Pattern.compile("[A-Za-z]+");

    public String[] topWords(String text, int k) {
        Map<String, Integer> counts = new HashMap<>();
        Matcher matcher = WORD.matcher(text);
        while (matcher.find()) {
            counts.merge(matcher.group().toLowerCase(), 1, Integer::sum);
        }
        return counts.keySet().stream()
                .sorted((a, b) -> counts.get(a).equals(counts.get(b))
                        ? a.compareTo(b)
                        : counts.get(b) - counts.get(a))
                .limit(k)
                .toArray(String[]::new);
    }
}
