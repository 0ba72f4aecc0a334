<?php

function merge(array $intervals): array
{
    usort($intervals, fn ($a, $b) => $a[0] <=> $b[0]);
    $merged = [];
    foreach ($intervals as [$start, $end]) {
        $last = count($merged) - 1;
        if ($last >= 0 && $start <= $merged[$last][1]) {
            $merged[$last][1] = max($merged[$last][1], $end);
        } else {
            $merged[] = [$start, $end];
        }
    }
    return $merged;
}
