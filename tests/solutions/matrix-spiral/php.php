<?php

function spiralOrder(array $matrix): array
{
    $out = [];
    if (count($matrix) === 0) {
        return $out;
    }
    [$top, $bottom, $left, $right] = [0, count($matrix) - 1, 0, count($matrix[0]) - 1];
    while ($top <= $bottom && $left <= $right) {
        for ($c = $left; $c <= $right; $c++) {
            $out[] = $matrix[$top][$c];
        }
        for ($r = $top + 1; $r <= $bottom; $r++) {
            $out[] = $matrix[$r][$right];
        }
        if ($top < $bottom && $left < $right) {
            for ($c = $right - 1; $c >= $left; $c--) {
                $out[] = $matrix[$bottom][$c];
            }
            for ($r = $bottom - 1; $r > $top; $r--) {
                $out[] = $matrix[$r][$left];
            }
        }
        [$top, $bottom, $left, $right] = [$top + 1, $bottom - 1, $left + 1, $right - 1];
    }
    return $out;
}
