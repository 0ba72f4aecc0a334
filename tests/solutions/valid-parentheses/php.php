<?php

function isValid(string $s): bool
{
    $pairs = [')' => '(', ']' => '[', '}' => '{'];
    $stack = [];
    foreach (str_split($s) as $char) {
        if (isset($pairs[$char])) {
            if (array_pop($stack) !== $pairs[$char]) {
                return false;
            }
        } else {
            $stack[] = $char;
        }
    }
    return count($stack) === 0;
}
