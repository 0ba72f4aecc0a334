use std::collections::HashMap;

fn two_sum(nums: Vec<i32>, target: i32) -> Vec<i32> {
    let mut seen = HashMap::new();
    for (j, &num) in nums.iter().enumerate() {
        if let Some(&i) = seen.get(&(target - num)) {
            return vec![i as i32, j as i32];
        }
        seen.insert(num, j);
    }
    vec![]
}
