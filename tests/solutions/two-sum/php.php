<?php

function twoSum(array $nums, int $target): array
{
    $seen = [];
    foreach ($nums as $j => $num) {
        if (isset($seen[$target - $num])) {
            return [$seen[$target - $num], $j];
        }
        $seen[$num] = $j;
    }
    return [];
}
