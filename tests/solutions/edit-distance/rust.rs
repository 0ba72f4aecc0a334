fn min_distance(word1: String, word2: String) -> i32 {
    let (a, b) = (word1.as_bytes(), word2.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut diagonal = row[0];
        row[0] = i;
        for j in 1..=b.len() {
            let above = row[j];
            let replace = diagonal + usize::from(a[i - 1] != b[j - 1]);
            row[j] = (above + 1).min(row[j - 1] + 1).min(replace);
            diagonal = above;
        }
    }
    row[b.len()] as i32
}
