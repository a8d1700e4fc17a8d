<?php
namespace Shop;
final class Order {}
