fn spiral_order(matrix: Vec<Vec<i32>>) -> Vec<i32> {
    let mut out = Vec::new();
    if matrix.is_empty() {
        return out;
    }
    let (mut top, mut bottom) = (0i32, matrix.len() as i32 - 1);
    let (mut left, mut right) = (0i32, matrix[0].len() as i32 - 1);
    let at = |r: i32, c: i32| matrix[r as usize][c as usize];
    while top <= bottom && left <= right {
        out.extend((left..=right).map(|c| at(top, c)));
        out.extend((top + 1..=bottom).map(|r| at(r, right)));
        if top < bottom && left < right {
            out.extend((left..right).rev().map(|c| at(bottom, c)));
            out.extend((top + 1..bottom).rev().map(|r| at(r, left)));
        }
        top += 1;
        bottom -= 1;
        left += 1;
        right -= 1;
    }
    out
}
