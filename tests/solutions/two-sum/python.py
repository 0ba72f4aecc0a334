def two_sum(nums: list[int], target: int) -> list[int]:
    seen: dict[int, int] = {}
    for j, num in enumerate(nums):
        i = seen.get(target - num)
        if i is not None:
            return [i, j]
        seen[num] = j
    return []
