<?php

function trap(array $height): int
{
    [$left, $right] = [0, count($height) - 1];
    $leftMax = $rightMax = $water = 0;
    while ($left < $right) {
        if ($height[$left] < $height[$right]) {
            $leftMax = max($leftMax, $height[$left]);
            $water += $leftMax - $height[$left++];
        } else {
            $rightMax = max($rightMax, $height[$right]);
            $water += $rightMax - $height[$right--];
        }
    }
    return $water;
}
