package shop

fun main() = println("shop")
